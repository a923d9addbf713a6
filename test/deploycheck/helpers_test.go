package deploycheck

import (
	"fmt"
	"strconv"
	"testing"

	kmconfig "github.com/kubemedic/kubemedic/platform/config"
)

// loadConfig loads a kubemedic config file with kubemedic's own loader
// (strict YAML, environment overrides, defaults, validation), seeing only
// env.
func loadConfig(t *testing.T, file string, env map[string]string) *kmconfig.Config {
	t.Helper()
	cfg, err := kmconfig.LoadWithEnv(file, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatalf("kubemedic cannot load its config: %v", err)
	}
	return cfg
}

func itoa(i int) string { return strconv.Itoa(i) }

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
