// Package deploycheck checks kubemedic's deployment artifacts against the
// repository they deploy: the Dockerfiles under deploy/docker, the root
// docker-compose.yaml, the Helm chart under deploy/helm/kubemedic and the
// plain RBAC manifests under deploy/rbac.
//
// No Docker engine and no helm binary are needed. The checks run the code
// those tools run: compose-go (the loader inside docker compose) loads the
// compose file, Helm's own lint rules and template engine render the chart,
// Kubernetes API types strictly decode every manifest, the nats-server option
// parser loads nats.conf and a server started from it must report JetStream
// healthy, and kubemedic's config loader loads every config.yaml the
// artifacts ship.
//
// On top of that the tests assert the wiring between the pieces: each
// Dockerfile builds a main package that exists, compose and the chart run
// the binary the image contains, listen addresses, published ports, EXPOSE
// lines and probes agree, every referenced file exists, RBAC stays read-only
// (and impersonation-only for remediation) and no secret value is written
// anywhere.
//
// Run it with make check-deploy, or go test ./deploycheck in the test module.
package deploycheck
