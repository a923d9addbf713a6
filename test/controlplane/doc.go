// Package controlplane runs a real Kubernetes control plane on loopback for
// tests, benchmarks and demos.
//
// A Cluster is etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, built from the Go module proxy at pinned versions, plus kwok,
// which simulates kubelets for fake nodes so that scheduled pods become Running
// without containers. Everything listens on 127.0.0.1 with ephemeral ports.
// Start generates a throw-away PKI (cluster CA, serving and client
// certificates, a service-account signing key), writes an admin kubeconfig and
// a kubeconfig for a user with limited rights, and waits until the cluster
// schedules pods on its nodes.
//
// The binaries come from Build, which compiles the two build modules under
// bin/ (kept out of go.work) into a cache folder keyed by their versions and
// reuses it when present.
//
// Components run in their own process groups and die with the process that
// started them (Pdeathsig) unless Config.Detached is set, which is what the
// kmcluster command uses for `make cluster-up`; a detached cluster is stopped
// later with StopDir. Component logs are files in the cluster directory; start
// failures include the tail of the failing component's log.
package controlplane
