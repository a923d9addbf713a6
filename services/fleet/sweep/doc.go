// Package sweep diagnoses a set of clusters as one sweep, spread over every
// replica that runs a worker, and reports what changed since the previous
// sweep of the same selector.
//
// The model, all in JetStream so any replica can die at any time:
//
//   - Start resolves the clusters (label selector and/or names), stores the
//     sweep record (state RUNNING, one SweepProgress per cluster) under
//     sweep.<id> in the kubemedic-sweeps KV bucket, lists it as running
//     (running.<id>) and publishes one job per cluster on the
//     KUBEMEDIC_SWEEP_JOBS work-queue stream (de-duplicated by Nats-Msg-Id
//     <id>/<cluster>).
//   - Work runs on every replica: it pulls at most Concurrency jobs at a time
//     from the shared durable consumer, notes each delivery under
//     attempt.<id>.<cluster> (which delivery, which worker, when), diagnoses
//     the cluster with a per-cluster timeout (a dead cluster becomes an
//     "unreachable" result with the reason, it does not stall the sweep),
//     stores the findings in the kubemedic-sweep-findings Object Store (they
//     can be far larger than one NATS message) and the small progress record
//     under result.<id>.<cluster> with create-if-absent, retried through a
//     NATS failover (so every cluster has exactly one result: a redelivered
//     job whose first attempt stored one, or whose write timed out but
//     landed, finds it and only acks), and only then acks the job. While a
//     job runs the worker keeps telling JetStream it is in progress; a
//     replica that dies stops doing so, and the job is redelivered after
//     AckWait to another replica, at most MaxDeliver times.
//   - Whether a sweep is finished is decided from that stored state, never
//     from one message that can be lost: the record, each cluster's result
//     (read key by key with direct gets, which any replica answers while a
//     stream elects a new leader) and the attempt notes. A cluster without
//     a result is closed out as not swept, with the reason, once its job's
//     MaxDeliver-th attempt started longer ago than a live replica needs to
//     diagnose and store (ClusterTimeout + 30 s + AckWait), or once the
//     whole sweep is overdue; its job is then deleted from the queue. The
//     max-deliveries advisory, sent once, only completes a missing note.
//   - Everyone checks: the worker that stores a result, every worker replica
//     every 10 s for each running sweep, and Watch (RunSweep, scheduled
//     sweeps) at once and every 5 s. Watch follows a key watcher too, for
//     prompt progress, but never waits for it: opening one is a request the
//     stream's leader answers, and while a leader is elected after a NATS
//     node died it can go unanswered for as long as the caller allows.
//   - When every cluster has a result, the report compares the findings
//     with the previous sweep of the same selector by fingerprint (new,
//     resolved, still open), counts findings by severity per cluster and
//     fleet-wide, and replaces the record with its summary by compare-and-set
//     on its revision, so exactly one replica finalizes, stores the full
//     report object and notifies. A report object lost with that replica is
//     rebuilt from the results on first read.
//
// Clusters that could not be swept keep their previous findings as still
// open (nothing is known to be resolved there); their counts are zero.
package sweep
