//! Which Inform events are kept as `device_event` rows: all of them, except the periodic
//! heartbeat (`2 PERIODIC`) of a device that was online, which `device_presence` already
//! records as its last inform.
//!
//! Why: at an hourly interval a heartbeat row per Inform is 24 rows a day per device (24
//! million a day per million devices), which made `device_event` the fastest-growing table
//! (nothing prunes it) and buried a device's boots, value changes and transfers in its
//! events tab under "Regular check-in". It was not for speed: the insert was cheap next to
//! the presence update and the commit (README, Performance). What a helpdesk wants from
//! heartbeats is when the device went silent and when it came back, so the heartbeat that
//! ends a silence (its device's online deadline had passed, or it had none) is kept, and
//! `device_presence.online_since` says since when the device has been informing on time.
//!
//! The rule is evaluated by the database in the statement that writes the presence: the
//! new `online_since` is worked out from the row as it was (`online_since_sql`), and the
//! events are joined on the row as written (`keeps_event_sql`). The process never needs
//! the old row, so the cheap paths stay one statement that reads nothing first.

/// The event code of the periodic heartbeat.
pub(super) const HEARTBEAT: &str = "2 PERIODIC";

/// SQL for the `online_since` a presence row takes when its device informs at `at`: what
/// it was while the device was online (the row's deadline not passed), else `at`.
/// `presence` names the row as it stands (the target table in an UPDATE or an upsert's
/// conflict clause, where a column means its value before the write).
pub(super) fn online_since_sql(presence: &str, at: &str) -> String {
    format!(
        r#"CASE WHEN {presence}."online_until" >= {at} THEN {presence}."online_since" ELSE {at} END"#
    )
}

/// SQL for whether an event with code `code` at `at` is kept, given `online_since`, the
/// value its device's presence row took in the same write (`online_since_sql`).
pub(super) fn keeps_event_sql(code: &str, at: &str, online_since: &str) -> String {
    format!(r#"({code} <> '{HEARTBEAT}' OR {online_since} = {at})"#)
}

/// `keeps_event_sql`, for an event whose presence write said whether it ended a silence.
pub(super) fn keeps_event(code: &str, ended_silence: bool) -> bool {
    code != HEARTBEAT || ended_silence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_is_kept_only_when_it_ends_a_silence() {
        assert!(keeps_event(HEARTBEAT, true));
        assert!(!keeps_event(HEARTBEAT, false));
        for code in [
            "1 BOOT",
            "4 VALUE CHANGE",
            "6 CONNECTION REQUEST",
            "M Reboot",
        ] {
            assert!(keeps_event(code, false), "{code}");
            assert!(keeps_event(code, true), "{code}");
        }
    }

    #[test]
    fn the_sql_names_what_it_is_given() {
        assert_eq!(
            online_since_sql(r#""device_presence""#, "v.column2"),
            r#"CASE WHEN "device_presence"."online_until" >= v.column2 THEN "device_presence"."online_since" ELSE v.column2 END"#
        );
        assert_eq!(
            keeps_event_sql("e.code", "e.at", "p.online_since"),
            "(e.code <> '2 PERIODIC' OR p.online_since = e.at)"
        );
    }
}
