// Package snapshot reads a cluster state from files for offline diagnosis:
// a `kubectl cluster-info dump --output-directory` tree or a folder of
// `kubectl get -o yaml|json` output (single objects, Lists, typed lists
// such as PodList whose items carry no kind, multi-document YAML).
//
// The model: Read walks the directory, decodes every .json/.yaml/.yml file
// into typed objects with the client-go scheme and returns a cluster.Memory
// plus one Problem per file that could not be read ("file: reason"); the
// rest is still used. Objects of kinds the rules do not read (CRDs, Roles,
// logs) are skipped silently. Only the kinds that appear in the files —
// even as an empty list — count as collected, so a dump without Secrets
// never yields "secret missing" findings.
package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kubemedic/kubemedic/services/diagnosis/cluster"
)

// Problem is a file that could not be (fully) read.
type Problem struct {
	// File is the path relative to the snapshot directory.
	File string
	// Err says what was wrong.
	Err error
}

func (p Problem) Error() string { return p.File + ": " + p.Err.Error() }

// Result is what Read found.
type Result struct {
	// State holds every supported object read.
	State *cluster.Memory
	// Files is how many files were read (successfully or not).
	Files int
	// Objects is how many supported objects were kept.
	Objects int
	// Problems lists the files that could not be read, sorted by file.
	Problems []Problem
}

// maxFileSize bounds one file; bigger files are reported, not read.
const maxFileSize = 512 << 20

// Read loads every .json, .yaml and .yml file under dir. It fails only when
// dir itself cannot be read or holds no such file.
func Read(ctx context.Context, dir string) (*Result, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("snapshot: %s is not a directory", dir)
	}
	dec := serializer.NewCodecFactory(scheme.Scheme).UniversalDeserializer()
	res := &Result{}
	var objs []runtime.Object
	kinds := map[string]bool{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(dir, path)
		if err != nil {
			res.Problems = append(res.Problems, Problem{File: rel, Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json", ".yaml", ".yml":
		default:
			return nil // logs and anything else a dump holds
		}
		res.Files++
		got, seen, err := readFile(path, dec)
		objs = append(objs, got...)
		for _, k := range seen {
			kinds[k] = true
		}
		if err != nil {
			res.Problems = append(res.Problems, Problem{File: rel, Err: err})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot: reading %s: %w", dir, err)
	}
	if res.Files == 0 {
		return nil, fmt.Errorf("snapshot: %s holds no .json, .yaml or .yml file; give the directory of `kubectl cluster-info dump --output-directory` or of `kubectl get -o yaml` files", dir)
	}
	collected := make([]string, 0, len(kinds))
	for k := range kinds {
		collected = append(collected, k)
	}
	res.State = cluster.NewPartial(collected, objs...)
	for _, o := range objs {
		if cluster.Supported(o) {
			res.Objects++
		}
	}
	slices.SortFunc(res.Problems, func(a, b Problem) int { return strings.Compare(a.File, b.File) })
	return res, nil
}

// typeMeta is the part of a document that says what it is.
type typeMeta struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

// readFile decodes every document of one file. It returns the objects it
// could decode, the kinds it saw (including those of empty lists), and the
// first error with the document number.
func readFile(path string, dec runtime.Decoder) ([]runtime.Object, []string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if st.Size() > maxFileSize {
		return nil, nil, fmt.Errorf("file is %d bytes, more than the %d byte limit", st.Size(), maxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var objs []runtime.Object
	var kinds []string
	var errs []error
	r := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for doc := 1; ; doc++ {
		var raw json.RawMessage
		if err := r.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			errs = append(errs, fmt.Errorf("document %d: %w", doc, err))
			break // the decoder cannot resync after a syntax error
		}
		if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" {
			continue
		}
		var tm typeMeta
		if err := json.Unmarshal(raw, &tm); err != nil {
			errs = append(errs, fmt.Errorf("document %d: not an object: %w", doc, err))
			continue
		}
		if tm.Kind == "" {
			errs = append(errs, fmt.Errorf("document %d: no kind", doc))
			continue
		}
		if !strings.HasSuffix(tm.Kind, "List") {
			if o, ok, err := decode(dec, raw, "", ""); err != nil {
				errs = append(errs, fmt.Errorf("document %d (%s): %w", doc, tm.Kind, err))
			} else if ok {
				objs = append(objs, o)
				kinds = append(kinds, tm.Kind)
			}
			continue
		}
		// A List: a typed list (PodList) names its items' kind; a plain
		// List's items carry their own.
		itemKind := strings.TrimSuffix(tm.Kind, "List")
		if itemKind != "" && slices.Contains(cluster.Kinds, itemKind) {
			kinds = append(kinds, itemKind)
		}
		for i, item := range tm.Items {
			o, ok, err := decode(dec, item, tm.APIVersion, itemKind)
			if err != nil {
				errs = append(errs, fmt.Errorf("document %d item %d: %w", doc, i, err))
				continue
			}
			if ok {
				objs = append(objs, o)
				kinds = append(kinds, o.GetObjectKind().GroupVersionKind().Kind)
			}
		}
	}
	return objs, kinds, errors.Join(errs...)
}

// decode turns one object into a typed object. Items of typed lists lack
// apiVersion/kind; listAPIVersion/listKind fill them in. ok is false for
// kinds the scheme does not know (CRDs) — skipped, not an error.
func decode(dec runtime.Decoder, raw []byte, listAPIVersion, itemKind string) (runtime.Object, bool, error) {
	var tm typeMeta
	if err := json.Unmarshal(raw, &tm); err != nil {
		return nil, false, fmt.Errorf("not an object: %w", err)
	}
	if tm.Kind == "" && itemKind != "" {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, false, err
		}
		m["kind"], m["apiVersion"] = itemKind, listAPIVersion
		var err error
		if raw, err = json.Marshal(m); err != nil {
			return nil, false, err
		}
	}
	o, gvk, err := dec.Decode(raw, nil, nil)
	if err != nil {
		if runtime.IsNotRegisteredError(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	o.GetObjectKind().SetGroupVersionKind(*gvk)
	return o, cluster.Supported(o), nil
}
