module github.com/kubemedic/kubemedic/gateway

go 1.25.0
