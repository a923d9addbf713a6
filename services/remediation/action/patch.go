package action

import (
	"encoding/json"
	"strings"
)

// Op is one RFC 6902 JSON Patch operation.
type Op struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// Patch is an RFC 6902 JSON Patch document.
type Patch []Op

func op(kind, path string, v any) Op {
	o := Op{Op: kind, Path: path}
	if kind != "remove" {
		// Strings, numbers, booleans and string maps always marshal.
		b, _ := json.Marshal(v)
		o.Value = b
	}
	return o
}

// pointer escapes one JSON Pointer segment (RFC 6901).
func pointer(seg string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(seg)
}

// unpointer reverses pointer.
func unpointer(seg string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
}

// bytes encodes the patch.
func (p Patch) bytes() []byte {
	b, _ := json.Marshal(p)
	return b
}
