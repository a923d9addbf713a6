package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Block Kit limits as Slack documents them for messages.
const (
	limitBlocks        = 50
	limitSectionText   = 3000
	limitSectionFields = 10
	limitFieldText     = 2000
	limitHeaderText    = 150
	limitContextElems  = 10
	limitActionsElems  = 25
	limitButtonText    = 75
	limitButtonValue   = 2000
	limitActionID      = 255
	limitBlockID       = 255
	limitConfirmTitle  = 100
	limitConfirmText   = 300
	limitConfirmButton = 30
	limitMarkdownTotal = 12000
	limitFallbackText  = 40000
)

// ValidateMessage checks a message's fallback text and blocks (as JSON)
// against Block Kit's limits. It is used by the tests of every message the
// bot sends.
func ValidateMessage(text string, blocksJSON []byte) error {
	var blocks []map[string]any
	if len(blocksJSON) > 0 {
		if err := json.Unmarshal(blocksJSON, &blocks); err != nil {
			return fmt.Errorf("blocks are not a JSON array of objects: %w", err)
		}
	}
	var errs []error
	if n := utf8.RuneCountInString(text); n > limitFallbackText {
		errs = append(errs, fmt.Errorf("fallback text has %d characters, limit %d", n, limitFallbackText))
	}
	if text == "" && len(blocks) == 0 {
		errs = append(errs, errors.New("message has neither text nor blocks"))
	}
	if len(blocks) > limitBlocks {
		errs = append(errs, fmt.Errorf("%d blocks, limit %d", len(blocks), limitBlocks))
	}
	markdown := 0
	ids := map[string]bool{}
	for i, b := range blocks {
		where := fmt.Sprintf("block %d (%v)", i, b["type"])
		if id, _ := b["block_id"].(string); id != "" {
			if ids[id] {
				errs = append(errs, fmt.Errorf("%s: block_id %q used twice", where, id))
			}
			ids[id] = true
			errs = append(errs, maxLen(where+" block_id", id, limitBlockID))
		}
		switch b["type"] {
		case "section":
			if t, ok := b["text"].(map[string]any); ok {
				errs = append(errs, textObject(where+" text", t, limitSectionText))
			}
			fields, _ := b["fields"].([]any)
			if len(fields) > limitSectionFields {
				errs = append(errs, fmt.Errorf("%s: %d fields, limit %d", where, len(fields), limitSectionFields))
			}
			for j, f := range fields {
				fm, _ := f.(map[string]any)
				errs = append(errs, textObject(fmt.Sprintf("%s field %d", where, j), fm, limitFieldText))
			}
			if b["text"] == nil && len(fields) == 0 {
				errs = append(errs, fmt.Errorf("%s: section without text or fields", where))
			}
			if acc, ok := b["accessory"].(map[string]any); ok {
				errs = append(errs, element(where+" accessory", acc))
			}
		case "header":
			t, _ := b["text"].(map[string]any)
			if t["type"] != "plain_text" {
				errs = append(errs, fmt.Errorf("%s: header text must be plain_text", where))
			}
			errs = append(errs, textObject(where+" text", t, limitHeaderText))
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > limitContextElems {
				errs = append(errs, fmt.Errorf("%s: %d elements, want 1..%d", where, len(els), limitContextElems))
			}
			for j, e := range els {
				em, _ := e.(map[string]any)
				errs = append(errs, textObject(fmt.Sprintf("%s element %d", where, j), em, limitSectionText))
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > limitActionsElems {
				errs = append(errs, fmt.Errorf("%s: %d elements, want 1..%d", where, len(els), limitActionsElems))
			}
			actionIDs := map[string]bool{}
			for j, e := range els {
				em, _ := e.(map[string]any)
				id, _ := em["action_id"].(string)
				if actionIDs[id] {
					errs = append(errs, fmt.Errorf("%s element %d: action_id %q used twice in one block", where, j, id))
				}
				actionIDs[id] = true
				errs = append(errs, element(fmt.Sprintf("%s element %d", where, j), em))
			}
		case "markdown":
			t, _ := b["text"].(string)
			if t == "" {
				errs = append(errs, fmt.Errorf("%s: empty markdown block", where))
			}
			markdown += utf8.RuneCountInString(t)
		case "divider":
		default:
			errs = append(errs, fmt.Errorf("%s: block type the bot does not send", where))
		}
	}
	if markdown > limitMarkdownTotal {
		errs = append(errs, fmt.Errorf("markdown blocks hold %d characters together, limit %d", markdown, limitMarkdownTotal))
	}
	return errors.Join(errs...)
}

func maxLen(what, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Errorf("%s has %d characters, limit %d", what, n, limit)
	}
	return nil
}

func textObject(what string, t map[string]any, limit int) error {
	if t == nil {
		return fmt.Errorf("%s: missing text object", what)
	}
	typ, _ := t["type"].(string)
	if typ != "plain_text" && typ != "mrkdwn" {
		return fmt.Errorf("%s: text type %q", what, typ)
	}
	s, _ := t["text"].(string)
	if s == "" {
		return fmt.Errorf("%s: empty text", what)
	}
	return maxLen(what, s, limit)
}

func element(what string, e map[string]any) error {
	var errs []error
	id, _ := e["action_id"].(string)
	errs = append(errs, maxLen(what+" action_id", id, limitActionID))
	switch e["type"] {
	case "button":
		t, _ := e["text"].(map[string]any)
		if t["type"] != "plain_text" {
			errs = append(errs, fmt.Errorf("%s: button text must be plain_text", what))
		}
		errs = append(errs, textObject(what+" text", t, limitButtonText))
		v, _ := e["value"].(string)
		errs = append(errs, maxLen(what+" value", v, limitButtonValue))
		if c, ok := e["confirm"].(map[string]any); ok {
			for _, f := range []struct {
				key   string
				limit int
			}{{"title", limitConfirmTitle}, {"text", limitConfirmText}, {"confirm", limitConfirmButton}, {"deny", limitConfirmButton}} {
				t, _ := c[f.key].(map[string]any)
				errs = append(errs, textObject(what+" confirm "+f.key, t, f.limit))
			}
		}
		if st, ok := e["style"].(string); ok && st != "primary" && st != "danger" {
			errs = append(errs, fmt.Errorf("%s: button style %q", what, st))
		}
	default:
		errs = append(errs, fmt.Errorf("%s: element type %v the bot does not send", what, e["type"]))
	}
	return errors.Join(errs...)
}
