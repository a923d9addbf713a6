package bot

import (
	"sync"
	"time"
)

// seenCache remembers keys (Slack event IDs) for a fixed time, holding at
// most max of them; the oldest are forgotten first. Because every key lives
// for the same TTL, insertion order is expiry order and a FIFO queue is
// enough.
type seenCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	now   func() time.Time
	until map[string]time.Time
	queue []seenEntry // insertion order; queue[head:] are live
	head  int
}

type seenEntry struct {
	key   string
	until time.Time
}

func newSeenCache(ttl time.Duration, max int, now func() time.Time) *seenCache {
	return &seenCache{ttl: ttl, max: max, now: now, until: make(map[string]time.Time)}
}

// firstTime records key and reports whether it was not seen within the TTL.
func (c *seenCache) firstTime(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.expire(now)
	if _, ok := c.until[key]; ok {
		return false
	}
	for len(c.until) >= c.max && c.head < len(c.queue) {
		c.evictOldest()
	}
	exp := now.Add(c.ttl)
	c.until[key] = exp
	c.queue = append(c.queue, seenEntry{key, exp})
	return true
}

// forget drops key, so its next delivery counts as the first.
func (c *seenCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.until, key)
}

// len reports the number of remembered keys.
func (c *seenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(c.now())
	return len(c.until)
}

func (c *seenCache) expire(now time.Time) {
	for c.head < len(c.queue) && !c.queue[c.head].until.After(now) {
		c.evictOldest()
	}
}

// evictOldest drops the oldest queue entry, and its key unless the key was
// forgotten and recorded again since.
func (c *seenCache) evictOldest() {
	e := c.queue[c.head]
	if exp, ok := c.until[e.key]; ok && exp.Equal(e.until) {
		delete(c.until, e.key)
	}
	c.queue[c.head] = seenEntry{}
	c.head++
	if c.head > len(c.queue)/2 && c.head > 64 {
		c.queue = append([]seenEntry(nil), c.queue[c.head:]...)
		c.head = 0
	}
}
