// Package knowledge is kubemedic's knowledge base: runbooks (Markdown with
// YAML front matter, see docs/runbook-format.md) embedded in the binary plus
// extra directories loaded at start, searched with a retrieval pipeline built
// for Korean chat questions.
package knowledge
