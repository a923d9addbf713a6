// Package sweep diagnoses a set of clusters as one sweep, spread over every
// replica that runs a worker, and reports what changed since the previous
// sweep of the same selector.
//
// The model, all in JetStream so any replica can die at any time:
//
//   - Start resolves the clusters (label selector and/or names), stores the
//     sweep record (state RUNNING, one SweepProgress per cluster) under
//     sweep.<id> in the kubemedic-sweeps KV bucket and publishes one job per
//     cluster on the KUBEMEDIC_SWEEP_JOBS work-queue stream (de-duplicated by
//     Nats-Msg-Id <id>/<cluster>).
//   - Work runs on every replica: it pulls at most Concurrency jobs at a time
//     from the shared durable consumer, diagnoses each cluster with a
//     per-cluster timeout (a dead cluster becomes an "unreachable" result
//     with the reason, it does not stall the sweep), stores the findings in
//     the kubemedic-sweep-findings Object Store (they can be far larger than
//     one NATS message) and the small progress record under
//     result.<id>.<cluster> with create-if-absent (so a redelivered job never
//     writes twice), and only then acks the job. While a job runs the worker
//     keeps telling JetStream it is in progress; a replica that dies stops
//     doing so, and the job is redelivered after AckWait to another replica,
//     at most MaxDeliver times. A job that exhausts its deliveries is
//     reported as not swept with the reason.
//   - Whoever stores the last result (or watches the sweep) finalizes it: the
//     report compares the findings with the previous sweep of the same
//     selector by fingerprint (new, resolved, still open), counts findings
//     by severity per cluster and fleet-wide, and replaces the record with
//     its summary by compare-and-set on its revision, so exactly one replica
//     finalizes, stores the full report object and notifies. A report object
//     lost with that replica is rebuilt from the results on first read.
//
// Clusters that could not be swept keep their previous findings as still
// open (nothing is known to be resolved there); their counts are zero.
package sweep
