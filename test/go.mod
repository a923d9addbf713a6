module github.com/kubemedic/kubemedic/test

go 1.25.0
