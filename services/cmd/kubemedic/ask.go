package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newAskCommand returns the `kubemedic ask` command, which answers a question
// from the knowledge base without a server.
func newAskCommand() *cobra.Command {
	var kbDirs []string
	cmd := &cobra.Command{
		Use:   "ask [QUESTION]",
		Short: "지식 베이스에 질문합니다 (Ask the knowledge base)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("ask: not implemented yet")
		},
	}
	cmd.Flags().StringArrayVar(&kbDirs, "kb-dir", nil, "extra knowledge directory (repeatable)")
	return cmd
}
