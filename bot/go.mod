module github.com/kubemedic/kubemedic/bot

go 1.25.0
