package main

import (
	"github.com/spf13/cobra"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/allinone"
)

func newServeCommand() *cobra.Command {
	var (
		configFile string
		kubeconfig string
		dataDir    string
		kbDirs     []string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "모든 서비스를 한 프로세스로 실행합니다 (run all services in one process)",
		Long: `collector, analyzer, remediation, gateway, bot을 한 프로세스에서 실행합니다. nats.url이 없으면
내장 NATS 서버(JetStream, 데이터 디렉터리에 저장)를 띄웁니다.

Runs collector, analyzer, remediation, gateway and bot in one process, with an embedded
NATS server (JetStream on the data dir) unless nats.url / KUBEMEDIC_NATS_URL is set.
Configuration: --config YAML file, then KUBEMEDIC_* environment variables, then flags.`,
		Example: `  kubemedic serve
  kubemedic serve --kubeconfig ~/.kube/config --data-dir /var/lib/kubemedic
  KUBEMEDIC_GATEWAY_ADDR=0.0.0.0:7070 kubemedic serve --config kubemedic.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(configFile, dataDir, kubeconfig)
			if err != nil {
				return err
			}
			cfg.Knowledge.Dirs = append(cfg.Knowledge.Dirs, kbDirs...)
			s, err := allinone.New(cmd.Context(), cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return s.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "YAML config file")
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the default cluster")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "data directory (default: <user cache dir>/kubemedic)")
	cmd.Flags().StringArrayVar(&kbDirs, "kb-dir", nil, "extra knowledge directory of runbooks (repeatable)")
	return cmd
}

// loadConfig reads the config file and environment, then applies flags.
func loadConfig(file, dataDir, kubeconfig string) (*config.Config, error) {
	lookup := func(k string) (string, bool) {
		switch {
		case k == "KUBEMEDIC_DATA_DIR" && dataDir != "":
			return dataDir, true
		case k == "KUBEMEDIC_KUBECONFIG" && kubeconfig != "":
			return kubeconfig, true
		}
		return lookupEnv(k)
	}
	return config.LoadWithEnv(file, lookup)
}
