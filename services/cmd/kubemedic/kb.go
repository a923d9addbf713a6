package main

import (
	"github.com/spf13/cobra"
)

// newKBCommand returns the `kubemedic kb` command group: import, eval, list.
func newKBCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kb",
		Short: "지식 베이스 관리 (Manage the knowledge base)",
	}
	return cmd
}
