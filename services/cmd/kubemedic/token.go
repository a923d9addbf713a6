package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubemedic/kubemedic/gateway"
)

func newTokenCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "게이트웨이 API 토큰을 만들고 해시합니다 (make and hash gateway API tokens)",
		Long: `설정 파일에는 토큰의 해시만 넣습니다: gateway.tokens[].hash.
The config holds only a token's hash (gateway.tokens[].hash); hand the token itself to the caller.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "new",
		Short: "새 무작위 토큰과 그 해시를 출력합니다 (print a new random token and its hash)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, hash, err := gateway.NewToken()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "token: %s\nhash:  %s\n", token, hash)
			return nil
		},
	})
	hash := &cobra.Command{
		Use:   "hash [TOKEN]",
		Short: "기존 토큰의 해시를 출력합니다; 인자가 없으면 표준 입력에서 읽습니다 (print an existing token's hash; reads stdin without an argument)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var token string
			if len(args) == 1 {
				token = args[0]
			} else {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return errors.New("토큰을 인자나 표준 입력으로 주세요. / give the token as an argument or on stdin")
				}
				token = line
			}
			token = strings.TrimSpace(token)
			if len(token) < 16 {
				return fmt.Errorf("토큰이 16자보다 짧습니다 (%d자). / the token is shorter than 16 characters (%d)", len(token), len(token))
			}
			fmt.Fprintln(cmd.OutOrStdout(), gateway.HashToken(token))
			return nil
		},
	}
	// A token may begin with '-' (base64url), which reads as a flag.
	hash.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w\n토큰이 '-'로 시작하면 -- 뒤에 쓰거나 표준 입력으로 주세요: kubemedic token hash -- TOKEN / a token starting with '-' goes after --, or on stdin", err)
	})
	cmd.AddCommand(hash)
	return cmd
}
