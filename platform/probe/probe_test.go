package probe

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name     string
		url      string
		failing  bool
		wantCode int
		want     []string
	}{
		{"quiet when ready", "/readyz", false, 200, []string{"ready"}},
		{"verbose lists details", "/readyz?verbose", false, 200, []string{"[+] cluster/prod: synced: 21 kinds", "[+] nats ok", "ready"}},
		{"failure is listed", "/readyz", true, 503, []string{"[-] nats: not connected", "[+] cluster/prod: synced: 21 kinds"}},
	} {
		p := New()
		p.AddStatus("cluster/prod", func() (string, error) { return "synced: 21 kinds", nil })
		p.Add("nats", func() error {
			if tc.failing {
				return errors.New("not connected")
			}
			return nil
		})
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", tc.url, nil))
		if rec.Code != tc.wantCode {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.wantCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("%s: body lacks %q:\n%s", tc.name, w, rec.Body.String())
			}
		}
	}
}
