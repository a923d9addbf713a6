// Command kubemedic is the kubemedic CLI and all-in-one server.
//
//	kubemedic serve      run every service in one process (embedded NATS)
//	kubemedic ask        answer a question from the knowledge base, offline
//	kubemedic diagnose   diagnose a cluster or a snapshot, offline
//	kubemedic kb         import, list and evaluate knowledge-base entries; list gaps
//	kubemedic status     health of the local (or --server) gateway
//	kubemedic clusters   clusters the server watches
//	kubemedic plan       plan a guarded fix (cordon, drain, scale, patch-cm, restart, delete-pod)
//	kubemedic approve    approve a plan by its hash; reject, execute, undo, audit likewise
//	kubemedic token      make a gateway API token and its hash for the config
//	kubemedic sweep      sweep the fleet now (--selector, --json); sweep show ID
//	kubemedic sweeps     past sweeps, newest first
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kubemedic/kubemedic/platform/launch"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		if ec, ok := errors.AsType[*exitCodeError](err); ok {
			os.Exit(ec.code)
		}
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubemedic",
		Short: "채팅에서 쿠버네티스 클러스터를 진단하고 고칩니다 (keep Kubernetes clusters healthy from chat)",
		Long: `kubemedic은 큐레이션된 지식 베이스로 질문에 답하고, 클러스터를 진단하고, 승인된 조치만 안전하게 실행합니다.

kubemedic answers Kubernetes questions from a curated knowledge base, diagnoses live clusters
and runs guarded fixes. Run "kubemedic serve" for the all-in-one server.`,
		Version:       launch.Version,
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.AddCommand(
		newServeCommand(),
		newAskCommand(),
		newDiagnoseCommand(),
		newKBCommand(),
		newStatusCommand(),
		newClustersCommand(),
		newPlanCommand(),
		newApproveCommand(),
		newRejectCommand(),
		newExecuteCommand(),
		newUndoCommand(),
		newAuditCommand(),
		newTokenCommand(),
		newSweepCommand(),
		newSweepsCommand(),
	)
	return root
}
