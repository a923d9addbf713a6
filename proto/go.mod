module github.com/kubemedic/kubemedic/proto

go 1.25.0
