// Package diagnosis turns the state of a Kubernetes cluster into findings:
// what is wrong with which object, why (with numbers and evidence), which
// runbooks explain it and which typed, guarded actions may fix it.
//
// The model: an Engine holds the rule families of package rules and a
// runbook index. Analyze runs the families over a cluster.State — an
// in-memory snapshot or a view over informer caches — for the scope in
// Options (namespaces, kinds, minimum severity), then completes every
// finding the same way: runbook ids, a stable Fingerprint, filters, order.
// Analysis is a pure function of the State: no API calls, so the same code
// serves the one-shot CLI, offline snapshots and the collector.
//
// Incremental re-analysis: Rescope maps a set of changed objects to the
// Options that re-evaluate exactly the rule families reading those kinds, in
// the namespaces touched; Covers tells which previously open findings that
// narrower run speaks for (so a finding it no longer produces is resolved).
package diagnosis
