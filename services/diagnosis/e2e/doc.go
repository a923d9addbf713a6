// Package e2e proves the diagnosis rules against a real control plane: every
// scenario of test/scenario (triggers for every rule plus healthy twins) is
// applied in its own namespace of one shared cluster, the cluster is read
// once with live.Collect (one LIST per kind), and the findings must be
// exactly the expected ones — code, sub-reason and object — with nothing
// reported on healthy twins or on objects no scenario broke.
package e2e
