package deploycheck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// secretName matches environment variable names that carry secrets.
var secretName = regexp.MustCompile(`(?i)(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY)`)

// secretValues match secret material by its shape.
var secretValues = []struct {
	what string
	re   *regexp.Regexp
}{
	{"Slack token", regexp.MustCompile(`\bxox[abposre]-[0-9A-Za-z-]{6,}`)},
	{"Slack app token", regexp.MustCompile(`\bxapp-[0-9]-[0-9A-Za-z-]{6,}`)},
	{"Slack webhook", regexp.MustCompile(`hooks\.slack\.com/services/T[0-9A-Z]+/`)},
	{"private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"AWS access key", regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`)},
	{"GitHub token", regexp.MustCompile(`\bgh[pousr]_[0-9A-Za-z]{30,}`)},
	{"JWT", regexp.MustCompile(`\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.`)},
	{"kubeconfig credential", regexp.MustCompile(`(?m)^\s*(client-key-data|token):\s*[A-Za-z0-9+/=._-]{16,}\s*$`)},
}

// findSecret returns what kind of secret text contains, or "".
func findSecret(text string) string {
	for _, s := range secretValues {
		if m := s.re.FindString(text); m != "" {
			return fmt.Sprintf("%s (%.12s...)", s.what, m)
		}
	}
	return ""
}

func TestFindSecret(t *testing.T) {
	tests := []struct {
		text string
		want string // kind, or "" for clean
	}{
		{"KUBEMEDIC_SLACK_BOT_TOKEN: xoxb-1234567890-abcdefghij", "Slack token"},
		{"token: xapp-1-A0123456789-abcdef", "Slack app token"},
		{"-----BEGIN RSA PRIVATE KEY-----", "private key"},
		{"aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AWS access key"},
		{"    token: 0123456789abcdef0123456789", "kubeconfig credential"},
		{"KUBEMEDIC_SLACK_BOT_TOKEN: ${KUBEMEDIC_SLACK_BOT_TOKEN:?set it}", ""},
		{"# The Slack bot token (xoxb-...) comes from the environment.", ""},
		{"tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token", ""},
		{"    token: ", ""},
	}
	for _, tt := range tests {
		got := findSecret(tt.text)
		if (tt.want == "") != (got == "") || !strings.HasPrefix(got, tt.want) {
			t.Errorf("findSecret(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestNoLiteralSecrets scans every deployment file for secret material.
func TestNoLiteralSecrets(t *testing.T) {
	root := repoRoot(t)
	files := []string{filepath.Join(root, "docker-compose.yaml"), filepath.Join(root, ".dockerignore")}
	err := filepath.WalkDir(filepath.Join(root, "deploy"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("reading %s: %v", f, err)
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			if what := findSecret(line); what != "" {
				rel, _ := filepath.Rel(root, f)
				t.Errorf("%s:%d holds a literal secret: %s", rel, i+1, what)
			}
		}
	}
}
