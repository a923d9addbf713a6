package knowledge

import (
	"errors"
	"fmt"
)

// keepLastGood replaces what a broken file gave on this load with what its
// last good version gave, so one bad edit to a team's runbook directory does
// not make its answers disappear. Each broken file gets a warning saying the
// old version is still served. The caller holds b.mu.
func (b *Base) keepLastGood(entries []Entry, problems []error) ([]Entry, []error) {
	if b.lastGood == nil {
		b.lastGood = map[string][]Entry{}
	}
	broken := map[string]bool{}
	for _, p := range problems {
		var le *LoadError
		if errors.As(p, &le) && !le.Warning && le.File != "" {
			broken[le.File] = true
		}
	}
	byFile := map[string][]Entry{}
	for _, e := range entries {
		byFile[e.Origin.File] = append(byFile[e.Origin.File], e)
	}
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if !broken[e.Origin.File] {
			out = append(out, e)
		}
	}
	for file, good := range byFile {
		if !broken[file] {
			b.lastGood[file] = good
		}
	}
	for file := range broken {
		old, ok := b.lastGood[file]
		if !ok {
			continue
		}
		out = append(out, old...)
		problems = append(problems, &LoadError{File: file, Line: 1, Warning: true,
			Err: fmt.Errorf("keeping the last good version of this file (%d entries) until it is fixed", len(old))})
	}
	return out, problems
}
