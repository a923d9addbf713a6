package bot

import (
	"sync"

	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

const (
	// planCacheSize bounds the plans and findings the bot remembers.
	planCacheSize = 2000
)

// planMessage is a plan the bot posted: where, in which language, and the
// plan as last seen.
type planMessage struct {
	plan        *kubemedicv1.Plan
	channel, ts string
	lang        string
}

// planCache remembers the plans this bot posted (the API has no GetPlan:
// "approve <plan>" typed by hand needs the plan's hash) and the findings it
// showed (a fix button carries only the finding's fingerprint). The oldest
// entries are forgotten first.
type planCache struct {
	mu       sync.Mutex
	max      int
	plans    map[string]planMessage
	findings map[string]*kubemedicv1.Finding
	order    []string // keys, oldest first; "p:" plans, "f:" findings
}

func newPlanCache(max int) *planCache {
	return &planCache{max: max, plans: map[string]planMessage{}, findings: map[string]*kubemedicv1.Finding{}}
}

func (c *planCache) remember(key string) {
	c.order = append(c.order, key)
	for len(c.order) > c.max {
		old := c.order[0]
		c.order = c.order[1:]
		if old[:2] == "p:" {
			delete(c.plans, old[2:])
		} else {
			delete(c.findings, old[2:])
		}
	}
}

func (c *planCache) putPlan(m planMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := m.plan.GetId()
	if _, ok := c.plans[id]; !ok {
		c.remember("p:" + id)
	}
	c.plans[id] = m
}

func (c *planCache) plan(id string) (planMessage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.plans[id]
	return m, ok
}

func (c *planCache) putFinding(f *kubemedicv1.Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fp := f.GetFingerprint()
	if _, ok := c.findings[fp]; !ok {
		c.remember("f:" + fp)
	}
	c.findings[fp] = f
}

func (c *planCache) finding(fp string) (*kubemedicv1.Finding, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.findings[fp]
	return f, ok
}
