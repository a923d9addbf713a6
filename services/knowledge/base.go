package knowledge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kubemedic/kubemedic/services/knowledge/index"
	"github.com/kubemedic/kubemedic/services/knowledge/korean"
)

// Options configures Open.
type Options struct {
	// ExtraDirs are directories of runbooks (same format as the built-in
	// ones) loaded after the embedded knowledge base; an entry with the id of
	// a built-in one replaces it.
	ExtraDirs []string
	// NoEmbedded leaves out the built-in runbooks.
	NoEmbedded bool
	// Tuning selects the retrieval pipeline; the zero value means
	// DefaultTuning().
	Tuning *Tuning
	// Logger receives load problems; nil discards them.
	Logger *slog.Logger
	// Convert imports documents in ExtraDirs that are not runbooks (team
	// Markdown without front matter, .txt, .html); nil skips them with a
	// warning. The all-in-one server passes faqimport's converter.
	Convert Converter
}

// Base is a searchable, reloadable knowledge base. It is safe for concurrent
// use: Ask, Entry and Entries read an immutable snapshot that Reload swaps
// atomically.
type Base struct {
	opts   Options
	tuning Tuning
	mu     sync.Mutex // serialises Reload
	cur    atomic.Pointer[snapshot]
	// lastGood holds, per extra-dir file, the entries of its last version
	// that loaded without errors; guarded by mu.
	lastGood map[string][]Entry
}

type snapshot struct {
	engine   *engine
	byID     map[string]int
	problems []error
	loadedAt time.Time
}

// Open loads the embedded runbooks and opts.ExtraDirs. Files that cannot be
// read or parsed are reported by Problems (and logged) and skipped; Open
// fails only when the context is cancelled or the index cannot be built.
func Open(ctx context.Context, opts Options) (*Base, error) {
	b := &Base{opts: opts, tuning: DefaultTuning()}
	if opts.Tuning != nil {
		b.tuning = *opts.Tuning
	}
	if err := b.Reload(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// New builds a base over the given entries only (no files). It is what tests,
// the evaluator and the importer use.
func New(entries []Entry, t Tuning) (*Base, error) {
	b := &Base{tuning: t}
	s, err := newSnapshot(entries, nil, t)
	if err != nil {
		return nil, err
	}
	b.cur.Store(s)
	return b, nil
}

func newSnapshot(entries []Entry, problems []error, t Tuning) (*snapshot, error) {
	eng, err := newEngine(entries, t)
	if err != nil {
		return nil, fmt.Errorf("build knowledge index: %w", err)
	}
	s := &snapshot{engine: eng, byID: make(map[string]int, len(entries)), problems: problems, loadedAt: time.Now()}
	for i, e := range entries {
		s.byID[e.ID] = i
	}
	return s, nil
}

// Reload re-reads the embedded runbooks and the extra directories and swaps
// the new index in. Questions being answered keep using the old one. On error
// the old index stays.
func (b *Base) Reload(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var entries []Entry
	var problems []error
	if !b.opts.NoEmbedded {
		entries, problems = LoadFS(ctx, Embedded(), EmbeddedPrefix+"runbooks/")
	}
	for _, dir := range b.opts.ExtraDirs {
		extra, errs := loadDir(ctx, dir, b.opts.Convert)
		extra, errs = b.keepLastGood(extra, errs)
		problems = append(problems, errs...)
		var merged []error
		entries, merged = merge(entries, extra)
		problems = append(problems, merged...)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("load knowledge base: %w", err)
	}
	if b.opts.Logger != nil {
		for _, p := range problems {
			var le *LoadError
			if errors.As(p, &le) && le.Warning {
				b.opts.Logger.Warn("knowledge file problem", "problem", p.Error())
			} else {
				b.opts.Logger.Error("knowledge file skipped", "problem", p.Error())
			}
		}
		b.opts.Logger.Info("knowledge base loaded", "entries", len(entries), "problems", len(problems), "extra_dirs", b.opts.ExtraDirs)
	}
	s, err := newSnapshot(entries, problems, b.tuning)
	if err != nil {
		return err
	}
	b.cur.Store(s)
	return nil
}

// Problems returns what the last load reported (each a *LoadError).
func (b *Base) Problems() []error {
	return append([]error(nil), b.cur.Load().problems...)
}

// LoadedAt is when the current index was built.
func (b *Base) LoadedAt() time.Time { return b.cur.Load().loadedAt }

// Len is the number of entries.
func (b *Base) Len() int { return len(b.cur.Load().engine.entries) }

// Entry returns the entry with the given id.
func (b *Base) Entry(id string) (Entry, bool) {
	s := b.cur.Load()
	i, ok := s.byID[id]
	if !ok {
		return Entry{}, false
	}
	return s.engine.entries[i], true
}

// Filter selects entries; empty fields match everything.
type Filter struct {
	Provider string // generic, tke, aks, nks
	Area     string // runbook directory
	Tag      string
	Finding  string // finding code, e.g. PodUnschedulable
}

// Validate reports a bad filter value.
func (f Filter) Validate() error {
	if f.Provider != "" && !contains(Providers, f.Provider) {
		return fmt.Errorf("unknown provider %q: use one of %s", f.Provider, strings.Join(Providers, ", "))
	}
	return nil
}

func (f Filter) match(e *Entry) bool {
	return (f.Provider == "" || e.Provider == f.Provider) &&
		(f.Area == "" || e.Origin.Area == f.Area) &&
		(f.Tag == "" || contains(e.Tags, f.Tag)) &&
		(f.Finding == "" || contains(e.Findings, f.Finding))
}

// Entries returns the entries matching f, sorted by id.
func (b *Base) Entries(f Filter) []Entry {
	s := b.cur.Load()
	var out []Entry
	for i := range s.engine.entries {
		if f.match(&s.engine.entries[i]) {
			out = append(out, s.engine.entries[i])
		}
	}
	return out
}

// AskOptions tunes one question.
type AskOptions struct {
	// Top is the number of answers wanted; 0 means 3.
	Top int
	// Provider restricts answers to that provider's entries plus generic
	// ones; "" means all.
	Provider string
	// Language forces the reply language, "ko" or "en": the title and, when
	// the runbook has an English body, the body follow it. "" detects it from
	// the question (DetectLanguage).
	Language string
	// KeepRefused keeps the answers of a refused question (NoAnswer still
	// reports the decision); for evaluation and calibration.
	KeepRefused bool
}

// MaxQuestionLength bounds a question, in characters: the same limit as
// AskRequest.question's buf.validate rule, which refuses longer questions
// at the API. Ask cuts longer input (e.g. from the CLI) to it.
const MaxQuestionLength = 2000

// Answer is one candidate entry for a question.
type Answer struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// BodyLanguage is the language Body is written in: "en" when the reply
	// is English and the runbook has an English body, else "ko".
	BodyLanguage string  `json:"body_language"`
	Source       string  `json:"source"`
	Score        float64 `json:"score"`
	Confidence   float64 `json:"confidence"`
	Provider     string  `json:"-"`
	// Signals are the inputs of Confidence.
	Signals Signals `json:"-"`
}

// Result answers one question. Answers are best first; when NoAnswer is set
// the knowledge base does not cover the question and Answers is empty
// (unless AskOptions.KeepRefused).
type Result struct {
	Question   string   `json:"question"`
	Language   string   `json:"language"`
	NoAnswer   bool     `json:"no_answer"`
	Confidence float64  `json:"confidence"`
	Reason     string   `json:"reason,omitempty"`
	Answers    []Answer `json:"answers"`
}

// rankDepth is how many answers Ask ranks at least, whatever Top asks for:
// the tie rules (preferGeneric, preferSymptom, preferTies) and the separation
// stage compare the top answer with the ones under it, so a caller asking for
// one answer gets the same answer and confidence as one asking for three.
const rankDepth = 3

// Ask answers a question with the best matching entries. It never fails: bad
// input (empty, not text, cancelled context) gives NoAnswer with a Reason.
func (b *Base) Ask(ctx context.Context, question string, opts AskOptions) Result {
	res := b.ask(ctx, question, opts)
	if opts.Top > 0 && len(res.Answers) > opts.Top {
		res.Answers = res.Answers[:opts.Top]
	}
	return res
}

// ask is Ask ranking max(Top, rankDepth) answers.
func (b *Base) ask(ctx context.Context, question string, opts AskOptions) Result {
	res := Result{Question: question, Answers: []Answer{}}
	res.Language = opts.Language
	if res.Language == "" {
		res.Language = DetectLanguage(question)
	}
	if err := ctx.Err(); err != nil {
		res.NoAnswer, res.Reason = true, "cancelled: "+err.Error()
		return res
	}
	if !utf8.ValidString(question) {
		res.NoAnswer, res.Reason = true, "question is not valid UTF-8 text"
		return res
	}
	if len(question) > MaxQuestionLength && utf8.RuneCountInString(question) > MaxQuestionLength { // bytes bound runes
		question = string([]rune(question)[:MaxQuestionLength])
	}
	if strings.TrimSpace(question) == "" {
		res.NoAnswer, res.Reason = true, "empty question"
		return res
	}
	top := max(opts.Top, rankDepth)
	s := b.cur.Load()
	eng := s.engine
	q := eng.parse(question)
	defer q.release()
	if len(q.units) == 0 {
		res.NoAnswer, res.Reason = true, "no searchable words in the question"
		return res
	}
	var keep func(int) bool
	if opts.Provider != "" {
		keep = func(doc int) bool {
			p := eng.entries[doc].Provider
			return p == opts.Provider || p == "generic"
		}
	}
	var hitBuf [4]index.Hit // room for the default top 3 without allocating
	hits := eng.search(hitBuf[:0], q, top, keep)
	if len(hits) > 0 {
		res.Answers = make([]Answer, 0, len(hits))
	}
	known := q.knownShare()
	var sigBuf [4]Signals
	var confBuf [4]float64
	sigs, confs := sigBuf[:0], confBuf[:0]
	for _, h := range hits {
		sig := Signals{Coverage: eng.coverage(q, h.Doc), Known: known, Concepts: q.concepts, Score: h.Score}
		sigs, confs = append(sigs, sig), append(confs, eng.tuning.Calibration.Confidence(sig))
	}
	breakScoreTies(hits, sigs, confs, func(doc int) float64 { return eng.headCoverage(q, doc) })
	if eng.stages.preferGeneric && len(hits) > 1 && eng.providers[hits[0].Doc] != "generic" {
		preferGeneric(hits, sigs, confs, q.namedProvider(), eng.providers)
	}
	preferSymptom(hits, sigs, confs, eng.kinds, q.text)
	for i, h := range hits {
		e := &eng.entries[h.Doc]
		sig, conf := sigs[i], confs[i]
		if i > 0 {
			conf = RunnerUp(conf, confs[0], h.Score, hits[0].Score)
		}
		res.Answers = append(res.Answers, Answer{
			ID:           e.ID,
			Title:        e.Title(res.Language),
			Body:         e.BodyIn(res.Language),
			BodyLanguage: e.BodyLanguage(res.Language),
			Source:       e.Source,
			Score:        round3(h.Score),
			Confidence:   round3(conf),
			Provider:     e.Provider,
			Signals:      sig,
		})
	}
	if len(res.Answers) == 0 {
		res.NoAnswer, res.Reason = true, "no entry matches the question"
		return res
	}
	preferTies(res.Answers, func(id string) bool { return eng.entries[s.byID[id]].Prefer })
	res.Confidence = res.Answers[0].Confidence
	if reason := eng.refusal(q, s.byID[res.Answers[0].ID], res.Confidence); reason != "" {
		res.NoAnswer, res.Reason = true, reason
		if !opts.KeepRefused {
			res.Answers = []Answer{}
		}
		return res
	}
	if res.Confidence < eng.tuning.MinConfidence {
		minConf := namedServiceMin(q, res.Answers[0].Provider, eng.tuning.MinConfidence)
		if minConf == eng.tuning.MinConfidence && eng.stages.kubernetesTerms {
			minConf = kubernetesTermMin(eng, q, s.byID[res.Answers[0].ID], minConf)
		}
		if res.Confidence >= minConf {
			return res
		}
		res.NoAnswer = true
		res.Reason = fmt.Sprintf("best match %s has confidence %.2f, below %.2f", res.Answers[0].ID, res.Confidence, minConf)
		if !opts.KeepRefused {
			res.Answers = []Answer{}
		}
		return res
	}
	separate(res.Answers, eng.tuning.Separation, eng.tuning.MinConfidence)
	res.Confidence = res.Answers[0].Confidence
	return res
}

// separate applies the separation stage to answers, which Ask has already
// decided to offer: the top answer's confidence moves by how close the
// runner-up's score comes to its own (Separation), but never below floor
// (MinConfidence), so that what was answered still reads as answered; an
// answer offered below floor (namedServiceMin) and a list without a
// runner-up (a question only one runbook matches) keep the evidence
// confidence. Each runner-up is then
// capped at the top answer's new confidence scaled by its score relative to
// the top score, as RunnerUp does: lowering the top answer lowers the
// near-tied ones under it, and raising it raises none of them.
func separate(answers []Answer, s Separation, floor float64) {
	if len(answers) < 2 || answers[0].Confidence < floor {
		return
	}
	top := &answers[0]
	c := round3(max(floor, s.Confidence(top.Confidence, Closeness(answers[1].Score, top.Score))))
	top.Confidence = c
	for i := 1; i < len(answers); i++ {
		ratio := 1.0
		if top.Score > 0 {
			ratio = min(max(answers[i].Score, 0)/top.Score, 1)
		}
		answers[i].Confidence = min(answers[i].Confidence, round3(c*ratio))
	}
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

// DetectLanguage returns "en" for a question with Latin letters and no
// Hangul, "ko" otherwise.
func DetectLanguage(s string) string {
	hangul, latin := 0, 0
	for _, r := range s {
		switch {
		case korean.IsHangul(r):
			hangul++
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			latin++
		}
	}
	if hangul == 0 && latin > 0 {
		return "en"
	}
	return "ko"
}
