//! The job queues' workers (`[jobs]`) as Pleroma's `config :pleroma, Oban, queues: [...]`.
use super::model::{setting, Declared};

/// `:pleroma, Oban, :queues`.
pub fn declared() -> Vec<Declared> {
    vec![Declared {
        partial: true,
        nested: &[
            (":federator_outgoing", "Federator outgoing", "Outgoing federation queue: deliveries and relay follows"),
            (":background", "Background", "Background queue: imports and the rest"),
            (":slow", "Slow", "Slow queue: frontend downloads and backup archives"),
            (
                ":purge",
                "Purge",
                "User and instance purges (the gateway's own queue; Pleroma runs its DeleteWorker in slow)",
            ),
        ],
        ty: |_| serde_json::json!(["keyword", "integer"]),
        get: |s| s.jobs.encode(),
        set: |s, v| s.jobs.merge(v),
        ..setting!(
            ":pleroma",
            "Oban",
            ":queues",
            jobs.federation,
            "Background jobs queues (keys: queues, values: max numbers of concurrent jobs). The gateway runs \
             federator_outgoing (deliveries, relay follows), background (imports), slow (frontends, backups) and \
             its own purge, each from 1 to 1000 workers per process; a change resizes the running workers \
             without a restart. Pleroma's other queues are stored only",
            r#"[[":federator_outgoing", 25], [":background", 2], [":slow", 1], [":purge", 1]]"#
        )
    }]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::config::Jobs;

    #[test]
    fn queues_merge_over_the_value_in_force_and_refuse_bad_counts() {
        let mut jobs = Jobs::default();
        jobs.merge(&json!([{"tuple": [":federator_outgoing", 7]}, {"tuple": [":web_push", 3]}])).unwrap();
        assert_eq!((jobs.federation, jobs.default, jobs.slow, jobs.purge), (7, 2, 1, 1));
        assert!(jobs.others.contains(&(":web_push".into(), json!(3))));
        let before = jobs.clone();
        for bad in [
            json!([{"tuple": [":federator_outgoing", 0]}]),
            json!([{"tuple": [":background", 1001]}]),
            json!([{"tuple": [":slow", "5"]}]),
            json!([{"tuple": [":purge", -1]}]),
            json!([{"tuple": ["purge", 1]}]),
            json!({"federator_outgoing": 1}),
        ] {
            assert!(jobs.merge(&bad).is_err(), "{bad}");
            assert_eq!(jobs, before, "{bad}: nothing applied");
        }
        let encoded = jobs.encode();
        assert_eq!(encoded[0], json!({"tuple": [":federator_outgoing", 7]}));
        let mut again = Jobs::default();
        again.merge(&encoded).unwrap();
        assert_eq!(again, jobs);
    }
}
