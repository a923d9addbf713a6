package analyzer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/knowledge"
	"github.com/kubemedic/kubemedic/services/knowledge/faqimport"
)

// OpenKnowledge loads the knowledge base a process answers from: the built-in
// runbooks plus the configured knowledge directories, where team documents
// (Markdown without front matter, text, wiki HTML) are imported on load.
// While the process runs, a change in those directories or a SIGHUP reloads
// the base; a broken file keeps its last good version (see knowledge.Base).
// Load problems are logged and shown by /readyz?verbose.
func OpenKnowledge(ctx context.Context, p *launch.Process) (*knowledge.Base, error) {
	dirs := p.Config.Knowledge.Dirs
	kb, err := knowledge.Open(ctx, knowledge.Options{
		ExtraDirs: dirs,
		Logger:    p.Logger.With("component", "knowledge"),
		Convert:   faqimport.Converter(faqimport.Options{}),
	})
	if err != nil {
		return nil, fmt.Errorf("loading knowledge base: %w", err)
	}
	p.Probe.AddStatus("knowledge", func() (string, error) {
		if kb.Len() == 0 {
			return "", errors.New("knowledge base is empty")
		}
		return knowledgeStatus(kb), nil
	})
	if len(dirs) == 0 {
		return kb, nil
	}
	log := p.Logger.With("component", "knowledge")
	p.Add(launch.Component{Name: "knowledge-watch", Run: func(ctx context.Context) error {
		return kb.Watch(ctx, knowledge.WatchOptions{Logger: log})
	}})
	p.Add(launch.Component{Name: "knowledge-sighup", Run: func(ctx context.Context) error {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-hup:
				if err := kb.Reload(ctx); err != nil {
					log.Error("knowledge base reload on SIGHUP failed; the previous index stays", "error", err)
					continue
				}
				log.Info("knowledge base reloaded on SIGHUP", "entries", kb.Len(), "problems", len(kb.Problems()))
			}
		}
	}})
	return kb, nil
}

// knowledgeStatus is the knowledge line of /readyz?verbose: the entry count
// and the load problems as file:line: reason, so a broken team document is
// visible without reading logs.
func knowledgeStatus(kb *knowledge.Base) string {
	probs := kb.Problems()
	detail := fmt.Sprintf("%d entries, loaded %s", kb.Len(), kb.LoadedAt().UTC().Format(time.RFC3339))
	if len(probs) == 0 {
		return detail
	}
	const show = 5
	var lines []string
	for i, p := range probs {
		if i == show {
			lines = append(lines, fmt.Sprintf("… %d more (kubemedic kb list)", len(probs)-show))
			break
		}
		lines = append(lines, p.Error())
	}
	return fmt.Sprintf("%s; %d problem(s): %s", detail, len(probs), strings.Join(lines, "; "))
}
