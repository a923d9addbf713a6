package command

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/bot/naming"
)

// FuzzParse feeds arbitrary slash command text to Parse. It must not panic;
// a rejection is a *UsageError in Korean and English; an accepted action
// names only valid targets. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range Specs {
		f.Add(s.Name + " " + s.Example)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse(text)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) error %T, want *UsageError", text, err)
			}
			if ue.Ko == "" || ue.En == "" || ue.Spec.Name == "" {
				t.Fatalf("Parse(%q): usage error lacks text: %#v", text, ue)
			}
			if len(ue.Ko) > 4096 || len(ue.En) > 4096 {
				t.Fatalf("Parse: usage error of %d/%d bytes echoes too much input", len(ue.Ko), len(ue.En))
			}
			return
		}
		if p.Lang != "" && p.Lang != "ko" && p.Lang != "en" {
			t.Fatalf("Parse(%q): language %q", text, p.Lang)
		}
		if p.Command == nil {
			t.Fatalf("Parse(%q): no command and no error", text)
		}
		if _, ok := Lookup(p.Command.Name()); !ok {
			t.Fatalf("Parse(%q): command %q has no spec", text, p.Command.Name())
		}
		_ = p.Command.Describe("ko") + p.Command.Describe("en")
		check := func(e *naming.Error) {
			if e != nil {
				t.Fatalf("Parse(%q) accepted an invalid target: %v", text, e)
			}
		}
		switch c := p.Command.(type) {
		case Ask:
			if c.Question == "" || utf8.RuneCountInString(c.Question) > MaxQuestionLength {
				t.Fatalf("Parse(%q): question of %d characters", text, utf8.RuneCountInString(c.Question))
			}
		case Cordon:
			check(naming.Object(naming.Node, c.Node))
		case Uncordon:
			check(naming.Object(naming.Node, c.Node))
		case Drain:
			check(naming.Object(naming.Node, c.Node))
		case Scale:
			check(naming.Object(naming.Namespace, c.Namespace))
			check(naming.Object(naming.Deployment, c.Deployment))
			if c.Replicas < 0 {
				t.Fatalf("Parse(%q): negative replicas", text)
			}
		case Restart:
			check(naming.Object(naming.Namespace, c.Namespace))
			check(naming.Object(naming.Deployment, c.Deployment))
		case PatchConfigMap:
			check(naming.Object(naming.Namespace, c.Namespace))
			check(naming.Object(naming.ConfigMap, c.ConfigMap))
			if len(c.Data) == 0 {
				t.Fatalf("Parse(%q): patch without data", text)
			}
			for _, kv := range c.Data {
				check(naming.ConfigMapKey(kv.Key))
			}
		case Approve:
			check(naming.ID(naming.PlanID, c.PlanID))
		case Reject:
			check(naming.ID(naming.PlanID, c.PlanID))
		case Undo:
			check(naming.ID(naming.ExecutionID, c.ExecutionID))
		case Diagnose:
			if c.Cluster != "" {
				check(naming.Cluster(c.Cluster))
			}
			if c.Namespace != "" {
				check(naming.Object(naming.Namespace, c.Namespace))
			}
		case Sweep:
			for _, cl := range c.Clusters {
				check(naming.Cluster(cl))
			}
		}
	})
}
