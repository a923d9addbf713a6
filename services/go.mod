module github.com/kubemedic/kubemedic/services

go 1.25.0
