package server

import (
	"context"
	"slices"
	"time"
)

// DefaultDiscover is how often a server looks for running campaigns it does not run yet
// (Config.Discover).
const DefaultDiscover = 2 * time.Second

// Discover runs every campaign the journal has as running and this server does not run yet:
// after a restart, and those created or resumed through another node sharing the store. It
// returns the campaigns it joined. Start calls it once, then every Config.Discover.
//
// Leaving is the runner's business: Runner.Run reads the campaign's status before each batch and
// returns once it is paused or finished, or cancelled and drained, whichever node changed it.
func (s *Server) Discover(ctx context.Context) ([]string, error) {
	ids, err := s.cfg.Journal.Running(ctx)
	if err != nil {
		return nil, err
	}
	var joined []string
	for _, id := range ids {
		if s.run(id, "discovery") {
			joined = append(joined, id)
		}
	}
	return joined, nil
}

// Running returns the campaigns whose runner loop runs on this server, sorted.
func (s *Server) Running() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.running))
	for id := range s.running {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// discover calls Discover every d until ctx or the server ends.
func (s *Server) discover(ctx context.Context, d time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Discover(ctx); err != nil && ctx.Err() == nil && s.ctx.Err() == nil {
			s.cfg.Logger.Warn("campaign discovery", "err", err)
		}
	}
}
