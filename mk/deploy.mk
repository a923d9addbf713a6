# Deployment artifacts: deploy/docker/*.Dockerfile, docker-compose.yaml,
# .dockerignore, deploy/nats, deploy/helm/kubemedic and deploy/rbac.
#
# No Docker engine or helm binary is needed: test/deploycheck loads the compose
# file with compose-go, lints and renders the chart with Helm's own packages,
# strictly decodes every manifest into Kubernetes API types, starts a
# nats-server from deploy/nats/nats.conf and loads every config.yaml with
# kubemedic's config loader, then checks how the pieces fit together.

# The test module builds on its own (GOWORK=off), like the cluster harness.
DEPLOY_GO         ?= GOTOOLCHAIN=local GOWORK=off go
DEPLOY_TEST_FLAGS ?= -count=1 -timeout 5m

.PHONY: check-deploy

## check-deploy: check Dockerfiles, compose, Helm chart, NATS config and RBAC against the repo (no Docker needed)
check-deploy:
	cd test && $(DEPLOY_GO) vet ./deploycheck && $(DEPLOY_GO) test $(DEPLOY_TEST_FLAGS) ./deploycheck/
