package knowledge

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// runbooks holds the built-in knowledge base. "all:" keeps the pattern valid
// while area directories hold only placeholder files.
//
//go:embed all:runbooks
var runbooks embed.FS

// EmbeddedPrefix starts the Origin.File of built-in entries.
const EmbeddedPrefix = "embedded:"

// Embedded returns the built-in runbook tree, rooted so that the areas are
// top-level directories (tke/, aks/, …).
func Embedded() fs.FS {
	sub, err := fs.Sub(runbooks, "runbooks")
	if err != nil { // only if the embed directive changes
		return runbooks
	}
	return sub
}

// LoadFS reads every runbook (*.md) under fsys. label prefixes the file names
// in origins and errors. A file that cannot be parsed is reported and skipped;
// the others still load. Entries come back sorted by id; duplicates within the
// tree are reported and only the first (in path order) is kept. A file
// <id>.en.md is not a runbook: it becomes Entry.BodyEn of the runbook <id>.md
// in the same directory (see ParseEnglish); one without that runbook, or one
// that does not match it, is reported and left out.
func LoadFS(ctx context.Context, fsys fs.FS, label string) ([]Entry, []error) {
	return loadFS(ctx, fsys, label, nil)
}

// Converter turns a document that is not in the runbook format (a team's
// Markdown without front matter, a .txt or .html page) into entries; see
// package faqimport. Problems are *LoadError values.
type Converter func(name string, data []byte) ([]Entry, []error)

// documentExts are the files a Converter may read from a knowledge directory.
var documentExts = []string{".md", ".markdown", ".txt", ".html", ".htm"}

func loadFS(ctx context.Context, fsys fs.FS, label string, convert Converter) ([]Entry, []error) {
	var entries []Entry
	var problems []error
	seen := map[string]string{}
	loaded := map[string]int{} // runbook path -> index in entries
	var english []string       // paths of English bodies
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		name := label + p
		if err != nil {
			problems = append(problems, &LoadError{File: name, Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		base := path.Base(p)
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")) {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(base, EnglishSuffix) && !skipFile(base) {
			english = append(english, p)
			return nil
		}
		isDoc := slices.Contains(documentExts, strings.ToLower(path.Ext(base)))
		if skipFile(base) || !strings.HasSuffix(base, ".md") && !(convert != nil && isDoc) {
			if strings.HasSuffix(base, ".txt") {
				problems = append(problems, &LoadError{File: name, Line: 1, Warning: true,
					Err: fmt.Errorf("plain-text file is not a runbook and was skipped; convert it with `kubemedic kb import %s`", base)})
			}
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			problems = append(problems, &LoadError{File: name, Err: err})
			return nil
		}
		var found []Entry
		if convert != nil && !hasFrontMatter(data) {
			// A team document as it is written: import it on the fly.
			converted, errs := convert(name, data)
			problems = append(problems, errs...)
			if len(converted) == 0 && len(errs) == 0 {
				problems = append(problems, &LoadError{File: name, Line: 1, Warning: true, Err: errors.New("no sections found in the document")})
			}
			found = converted
		} else {
			e, errs := Parse(name, data, strings.TrimSuffix(base, ".md"))
			problems = append(problems, errs...)
			if e != nil {
				found = []Entry{*e}
			}
		}
		for i := range found {
			e := &found[i]
			if first, dup := seen[e.ID]; dup {
				problems = append(problems, &LoadError{File: name, Line: max(e.Origin.BodyLine, 1), Err: fmt.Errorf("duplicate id %q, already defined in %s; this entry is skipped", e.ID, first)})
				continue
			}
			seen[e.ID] = name
			if dir := path.Dir(p); dir != "." {
				e.Origin.Area = strings.SplitN(dir, "/", 2)[0]
			}
			if len(found) == 1 && hasFrontMatter(data) {
				loaded[p] = len(entries) // a runbook: its <id>.en.md may attach
			}
			entries = append(entries, *e)
		}
		return nil
	})
	if err != nil {
		problems = append(problems, &LoadError{File: label, Err: err})
	}
	problems = append(problems, attachEnglish(fsys, label, english, entries, loaded)...)
	sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })
	return entries, problems
}

// attachEnglish reads the English bodies at paths into the entries of their
// runbooks.
func attachEnglish(fsys fs.FS, label string, paths []string, entries []Entry, loaded map[string]int) []error {
	var problems []error
	for _, p := range paths {
		name := label + p
		koPath := strings.TrimSuffix(p, EnglishSuffix) + ".md"
		i, ok := loaded[koPath]
		if !ok {
			if _, err := fs.Stat(fsys, koPath); err == nil {
				problems = append(problems, &LoadError{File: name, Line: 1, Warning: true,
					Err: fmt.Errorf("this English body is not used: its runbook %s was skipped (see the problem reported for it)", path.Base(koPath))})
			} else {
				problems = append(problems, &LoadError{File: name, Line: 1,
					Err: fmt.Errorf("no runbook %s next to this English body (name it <id>%s after the runbook <id>.md)", path.Base(koPath), EnglishSuffix)})
			}
			continue
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			problems = append(problems, &LoadError{File: name, Err: err})
			continue
		}
		body, errs := ParseEnglish(name, data, &entries[i], path.Base(koPath))
		problems = append(problems, errs...)
		if body != "" {
			entries[i].BodyEn = body
			entries[i].Origin.FileEn = name
		}
	}
	return problems
}

// skipFile reports files that live among runbooks but are not runbooks.
func skipFile(base string) bool {
	if strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
		return true
	}
	switch strings.ToLower(strings.TrimSuffix(base, EnglishSuffix) + ".md") {
	case "readme.md", "index.md", "changelog.md":
		return true
	}
	return false
}

// hasFrontMatter reports whether data starts like a runbook (a "---" line).
func hasFrontMatter(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	return bytes.HasPrefix(data, []byte("---\n")) || bytes.HasPrefix(data, []byte("---\r\n"))
}

// LoadDir reads the runbooks of a directory on disk. A missing or unreadable
// directory is reported as a problem, not a panic.
func LoadDir(ctx context.Context, dir string) ([]Entry, []error) {
	return loadDir(ctx, dir, nil)
}

func loadDir(ctx context.Context, dir string, convert Converter) ([]Entry, []error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, []error{&LoadError{File: dir, Err: fmt.Errorf("knowledge directory: %w", err)}}
	}
	if !st.IsDir() {
		return nil, []error{&LoadError{File: dir, Err: fmt.Errorf("knowledge directory: not a directory")}}
	}
	return loadFS(ctx, os.DirFS(dir), filepath.Clean(dir)+string(filepath.Separator), convert)
}

// merge adds extra entries over base ones. An extra entry with the id of an
// earlier one replaces it, with a warning naming both files.
func merge(base []Entry, extra []Entry) ([]Entry, []error) {
	var problems []error
	index := map[string]int{}
	for i, e := range base {
		index[e.ID] = i
	}
	for _, e := range extra {
		if i, ok := index[e.ID]; ok {
			problems = append(problems, &LoadError{File: e.Origin.File, Line: 2, Warning: true,
				Err: fmt.Errorf("id %q replaces the entry from %s", e.ID, base[i].Origin.File)})
			base[i] = e
			continue
		}
		index[e.ID] = len(base)
		base = append(base, e)
	}
	sort.Slice(base, func(i, j int) bool { return base[i].ID < base[j].ID })
	return base, problems
}
