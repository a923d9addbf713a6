// Package evaluation measures how well the knowledge base answers questions.
//
// A case file is JSON Lines, one question per line:
//
//	{"id": "k8s-svc-no-ep", "q": "서비스 엔드포인트가 <none>으로 나와요", "must": [["selector", "셀렉터"]]}
//	{"id": "ood-lunch", "q": "오늘 점심 메뉴 추천해줘", "ood": true}
//	{"id": "hn-vpn", "q": "VPN 접속이 안돼요", "ood": true, "hard": true}
//
// An answer is correct when its title and body contain every "must" group
// (any one word of each group, case-insensitive) and, when the case names an
// "expect" entry id, when it is that entry. Out-of-domain ("ood") questions are
// correct only when refused (no_answer).
//
// Metrics: top-1 accuracy and MRR@3 over in-domain questions (a refused
// in-domain question scores 0), the refusal rate over out-of-domain questions,
// and the false-refusal rate over in-domain ones. Ablation runs the same cases
// through pipelines with stages switched off, from a whole-word baseline to
// the full pipeline.
package evaluation

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kubemedic/kubemedic/services/knowledge"
)

// Case is one evaluation question.
type Case struct {
	ID   string     `json:"id"`
	Q    string     `json:"q"`
	Must [][]string `json:"must,omitempty"`
	OOD  bool       `json:"ood,omitempty"`
	// Hard marks a hard negative: an out-of-domain question that shares
	// words with the runbooks (VPN 접속, vim 저장, EC2 요금).
	Hard   bool   `json:"hard,omitempty"`
	Expect string `json:"expect,omitempty"`
	// File and Line locate the case, for reports.
	File string `json:"-"`
	Line int    `json:"-"`
}

// Read parses JSON Lines cases. name labels errors ("file:line: …").
// Blank lines and lines starting with # or // are skipped.
func Read(r io.Reader, name string) ([]Case, error) {
	var out []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' || bytes.HasPrefix(line, []byte("//")) {
			continue
		}
		var c Case
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		if strings.TrimSpace(c.Q) == "" {
			return nil, fmt.Errorf("%s:%d: case %q has no question (\"q\")", name, n, c.ID)
		}
		if c.Hard && !c.OOD {
			return nil, fmt.Errorf("%s:%d: case %q is \"hard\" but not \"ood\": a hard negative is out of domain", name, n, c.ID)
		}
		if !c.OOD && len(c.Must) == 0 && c.Expect == "" {
			return nil, fmt.Errorf("%s:%d: case %q needs \"must\" groups, an \"expect\" id, or \"ood\": true", name, n, c.ID)
		}
		for i, g := range c.Must {
			if len(g) == 0 {
				return nil, fmt.Errorf("%s:%d: case %q: must group %d is empty", name, n, c.ID, i+1)
			}
		}
		if c.ID == "" {
			c.ID = fmt.Sprintf("line-%d", n)
		}
		c.File, c.Line = name, n
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// ReadFile reads a case file.
func ReadFile(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open eval cases: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Asker answers questions; *knowledge.Base is one.
type Asker interface {
	Ask(ctx context.Context, question string, opts knowledge.AskOptions) knowledge.Result
}

// Outcome is what happened to one case.
type Outcome struct {
	Case       Case
	Rank       int // 1-based rank of the first correct answer in the top 3, 0 if none
	NoAnswer   bool
	Top        string // id of the top answer, "" when refused
	Confidence float64
	Pass       bool // top-1 correct, or refused when out-of-domain
}

// Report summarises one run.
type Report struct {
	Name         string
	InDomain     int
	OOD          int
	Top1         float64 // share of in-domain cases whose top answer is correct
	MRR3         float64 // mean reciprocal rank of the first correct answer within 3
	OODRefusal   float64 // share of out-of-domain cases refused; 1 when there are none
	Hard         int     // hard negatives among the out-of-domain cases
	HardRefusal  float64 // share of hard negatives refused; 1 when there are none
	FalseRefusal float64 // share of in-domain cases refused
	// RankTop1 and RankMRR3 measure retrieval alone: the answers a refused
	// question would have got still count.
	RankTop1, RankMRR3 float64
	// Reliability buckets the answered questions by the confidence of their
	// top answer: how often an answer shown at that confidence was right.
	Reliability []Bucket
	Outcomes    []Outcome
}

// Bucket is one row of a reliability table: the questions answered with a
// top confidence in [Low, High) and the share of them answered correctly
// (an answered out-of-domain question counts as wrong).
type Bucket struct {
	Low, High float64
	Count     int
	Correct   int
}

// Accuracy is Correct/Count, or 0 for an empty bucket.
func (b Bucket) Accuracy() float64 {
	if b.Count == 0 {
		return 0
	}
	return float64(b.Correct) / float64(b.Count)
}

// reliabilityEdges are the bucket bounds of the reliability table; nothing
// is answered below the no-answer threshold.
var reliabilityEdges = []float64{0.5, 0.6, 0.7, 0.8, 0.9, 1.0001}

func reliability(outcomes []Outcome) []Bucket {
	out := make([]Bucket, len(reliabilityEdges)-1)
	for i := range out {
		out[i].Low, out[i].High = reliabilityEdges[i], reliabilityEdges[i+1]
	}
	for _, o := range outcomes {
		if o.NoAnswer {
			continue
		}
		for i := range out {
			if o.Confidence >= out[i].Low && o.Confidence < out[i].High {
				out[i].Count++
				if !o.Case.OOD && o.Rank == 1 {
					out[i].Correct++
				}
				break
			}
		}
	}
	return out
}

// Correct reports whether an answer satisfies a case.
func Correct(c Case, a knowledge.Answer) bool {
	if c.Expect != "" && a.ID != c.Expect {
		return false
	}
	text := strings.ToLower(a.Title + "\n" + a.Body)
	for _, group := range c.Must {
		ok := false
		for _, w := range group {
			if strings.Contains(text, strings.ToLower(w)) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Run asks every case and scores the answers.
func Run(ctx context.Context, name string, a Asker, cases []Case) Report {
	r := Report{Name: name}
	var top1, rr, refusedIn, refusedOOD, refusedHard, rankTop1, rankRR float64
	for _, c := range cases {
		res := a.Ask(ctx, c.Q, knowledge.AskOptions{Top: 3, KeepRefused: true})
		o := Outcome{Case: c, NoAnswer: res.NoAnswer, Confidence: res.Confidence}
		if len(res.Answers) > 0 && !res.NoAnswer {
			o.Top = res.Answers[0].ID
		}
		if c.OOD {
			r.OOD++
			o.Pass = res.NoAnswer
			if res.NoAnswer {
				refusedOOD++
			}
			if c.Hard {
				r.Hard++
				if res.NoAnswer {
					refusedHard++
				}
			}
		} else {
			r.InDomain++
			if res.NoAnswer {
				refusedIn++
			}
			rank := 0
			for i, ans := range res.Answers {
				if i >= 3 {
					break
				}
				if Correct(c, ans) {
					rank = i + 1
					break
				}
			}
			if rank > 0 {
				rankRR += 1 / float64(rank)
				if rank == 1 {
					rankTop1++
				}
			}
			if !res.NoAnswer {
				o.Rank = rank
			}
			if o.Rank == 1 {
				top1++
				o.Pass = true
			}
			if o.Rank > 0 {
				rr += 1 / float64(o.Rank)
			}
		}
		r.Outcomes = append(r.Outcomes, o)
	}
	if r.InDomain > 0 {
		r.Top1 = top1 / float64(r.InDomain)
		r.MRR3 = rr / float64(r.InDomain)
		r.FalseRefusal = refusedIn / float64(r.InDomain)
		r.RankTop1 = rankTop1 / float64(r.InDomain)
		r.RankMRR3 = rankRR / float64(r.InDomain)
	}
	r.OODRefusal, r.HardRefusal = 1, 1
	if r.OOD > 0 {
		r.OODRefusal = refusedOOD / float64(r.OOD)
	}
	if r.Hard > 0 {
		r.HardRefusal = refusedHard / float64(r.Hard)
	}
	r.Reliability = reliability(r.Outcomes)
	return r
}

// WriteReliability prints the reliability table: per confidence bucket of
// the answered questions, how many there were and how many were right, plus
// the same for every answer shown at 0.8 or more.
func (r Report) WriteReliability(w io.Writer) {
	fmt.Fprintf(w, "  reliability (answered questions by top confidence):\n")
	fmt.Fprintf(w, "    %-11s %6s %9s\n", "confidence", "count", "accuracy")
	var hi Bucket
	for _, b := range r.Reliability {
		if b.Low >= 0.8 {
			hi.Count += b.Count
			hi.Correct += b.Correct
		}
		label := fmt.Sprintf("%.1f–%.1f", b.Low, min(b.High, 1))
		if b.Count == 0 {
			fmt.Fprintf(w, "    %-11s %6d %9s\n", label, 0, "-")
			continue
		}
		fmt.Fprintf(w, "    %-11s %6d %9.3f\n", label, b.Count, b.Accuracy())
	}
	if hi.Count > 0 {
		fmt.Fprintf(w, "    %-11s %6d %9.3f\n", "≥ 0.8", hi.Count, hi.Accuracy())
	}
}

// Failures are the outcomes that did not pass.
func (r Report) Failures() []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if !o.Pass {
			out = append(out, o)
		}
	}
	return out
}

// WriteSummary prints the metrics and every failure.
func (r Report) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "%s: %d questions (%d in-domain, %d out-of-domain)\n", r.Name, r.InDomain+r.OOD, r.InDomain, r.OOD)
	fmt.Fprintf(w, "  top-1 accuracy        %.3f\n", r.Top1)
	fmt.Fprintf(w, "  MRR@3                 %.3f\n", r.MRR3)
	fmt.Fprintf(w, "  out-of-domain refusal %.3f\n", r.OODRefusal)
	if r.Hard > 0 {
		fmt.Fprintf(w, "  hard-negative refusal %.3f (%d hard negatives)\n", r.HardRefusal, r.Hard)
	}
	fmt.Fprintf(w, "  false refusals        %.3f\n", r.FalseRefusal)
	fails := r.Failures()
	if len(fails) == 0 {
		return
	}
	fmt.Fprintf(w, "  failures (%d):\n", len(fails))
	for _, o := range fails {
		got := o.Top
		switch {
		case o.NoAnswer:
			got = "no answer"
		case o.Case.OOD:
			got = "answered " + got
		case o.Rank > 1:
			got = fmt.Sprintf("%s (correct at rank %d)", got, o.Rank)
		case got == o.Case.Expect && len(o.Case.Must) > 0:
			got = fmt.Sprintf("%s without the facts (must %s)", got, mustString(o.Case.Must))
		}
		want := o.Case.Expect
		if o.Case.OOD {
			want = "no answer"
		}
		if want == "" {
			want = "must " + mustString(o.Case.Must)
		}
		fmt.Fprintf(w, "    %s:%d %s %q\n        got %s, confidence %.2f; want %s\n", o.Case.File, o.Case.Line, o.Case.ID, o.Case.Q, got, o.Confidence, want)
	}
}

func mustString(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = strings.Join(g, "|")
	}
	return strings.Join(parts, " & ")
}
