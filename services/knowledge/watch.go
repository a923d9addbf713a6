package knowledge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchOptions configures Watch.
type WatchOptions struct {
	// Debounce is how long the directories must stay quiet after a change
	// before the base reloads (editors write a file in several steps).
	// Default 300ms.
	Debounce time.Duration
	// Logger is required.
	Logger *slog.Logger
	// Reloaded, if set, is called after every reload attempt.
	Reloaded func(error)
}

// Watch reloads the base whenever a file in its extra directories (or a
// directory below them) is created, written, renamed or removed, until ctx
// ends. A reload keeps the last good version of a broken file (see Reload),
// so a bad edit never takes answers away. Watch returns at once, with nil,
// when the base has no extra directories.
func (b *Base) Watch(ctx context.Context, o WatchOptions) error {
	if o.Logger == nil {
		return errors.New("knowledge: WatchOptions.Logger is required")
	}
	if o.Debounce <= 0 {
		o.Debounce = 300 * time.Millisecond
	}
	if len(b.opts.ExtraDirs) == 0 {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("knowledge: watching runbook directories: %w", err)
	}
	defer w.Close()
	for _, dir := range b.opts.ExtraDirs {
		if err := addTree(w, dir); err != nil {
			return fmt.Errorf("knowledge: watching %s: %w", dir, err)
		}
	}
	var fire <-chan time.Time
	var timer *time.Timer
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					_ = addTree(w, ev.Name)
				}
			}
			if ev.Has(fsnotify.Chmod) && !ev.Has(fsnotify.Write) {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(o.Debounce)
			} else {
				timer.Reset(o.Debounce)
			}
			fire = timer.C
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			o.Logger.Warn("knowledge directory watch error", "error", err)
		case <-fire:
			fire = nil
			err := b.Reload(ctx)
			if err != nil {
				o.Logger.Error("knowledge base reload failed; the previous index stays", "error", err)
			} else {
				o.Logger.Info("knowledge base reloaded after a file change", "entries", b.Len(), "problems", len(b.Problems()))
			}
			if o.Reloaded != nil {
				o.Reloaded(err)
			}
		}
	}
}

// addTree watches dir and every directory below it.
func addTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return w.Add(p)
		}
		return nil
	})
}
