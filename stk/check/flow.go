package check

import (
	"sort"
	"strings"
)

// bitset is a set of variable indexes, plus one bit (the last) for "the user has confirmed".
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) clone() bitset  { return append(bitset(nil), b...) }
func (b bitset) fill() bitset {
	for i := range b {
		b[i] = ^uint64(0)
	}
	return b
}
func (b bitset) and(o bitset) bitset {
	out := b.clone()
	for i := range out {
		out[i] &= o[i]
	}
	return out
}
func (b bitset) equal(o bitset) bool {
	for i := range b {
		if b[i] != o[i] {
			return false
		}
	}
	return true
}

// flowAnalysis finds which menus the main menu reaches and, for every step, which variables
// are set on every path that leads to it (a dataflow over the menu graph: a menu's entry state
// is the intersection of the states at the gotos that lead to it). It reports reads of
// variables that some path leaves unset, sensitive actions that run unconfirmed, and
// unreachable menus.
func (c *checker) flowAnalysis() {
	if c.p.Main == nil {
		return
	}
	nbits := len(c.p.Vars) + 1
	c.entry[c.p.Main] = newBitset(nbits)
	c.work = []*Menu{c.p.Main}
	for steps := 0; len(c.work) > 0 && steps < 100000; steps++ {
		m := c.work[len(c.work)-1]
		c.work = c.work[:len(c.work)-1]
		c.walkMenu(m, c.entry[m])
	}
	c.report = true
	for _, m := range c.menuList {
		st, ok := c.entry[m]
		if !ok {
			c.errorf(m.Pos, "unreachable-menu", "menu %q is never shown: no goto leads to it from the main menu", m.Name)
			st = newBitset(nbits).fill()
		}
		m.Reachable = ok
		c.walkMenu(m, st)
	}
}

func (c *checker) confirmedBit() int { return len(c.p.Vars) }

func (c *checker) walkMenu(m *Menu, st bitset) {
	for _, it := range m.Items {
		if it.Flow != nil {
			c.walk(it.Flow, st.clone())
		}
	}
}

// enter merges a state into a menu's entry state and queues the menu when it changed.
func (c *checker) enter(m *Menu, st bitset) {
	if c.report {
		return
	}
	prev, ok := c.entry[m]
	next := st
	if ok {
		next = prev.and(st)
		if next.equal(prev) {
			return
		}
	}
	c.entry[m] = next.clone()
	c.work = append(c.work, m)
}

// walk follows a block from state st and returns the state at its end and whether the end is
// reached (false when every path ends the session or leaves for a menu first).
func (c *checker) walk(b *Block, st bitset) (bitset, bool) {
	if b == nil {
		return st, true
	}
	for _, s := range b.Steps {
		base := s.base()
		if c.report {
			for _, u := range base.Uses {
				if u.Var.Card == "" && !st.has(u.Var.Index) {
					c.errorf(u.Pos, "unset-variable", "variable %q may not be set here: some path reaches this point without setting it", u.Var.Name)
				}
			}
			c.checkSilent(s, st.has(c.confirmedBit()))
		}
		if v, ok := s.(*VerifyPIN); ok && v.Tries != nil {
			st.set(v.Tries.Index) // the tries left are known whatever the outcome
		}
		for _, h := range base.On {
			c.walk(h.Flow, st.clone())
		}
		switch v := s.(type) {
		case *Goto:
			if v.Menu != nil {
				c.enter(v.Menu, st)
			}
			return st, false
		case *End:
			return st, false
		case *If:
			t, e := st.clone(), st.clone()
			if v.Cond != nil && v.Cond.Left != nil && v.Cond.Left.Type == TypeBool {
				switch yes := confirmsOn(v.Cond); yes {
				case 1:
					t.set(c.confirmedBit())
				case -1:
					e.set(c.confirmedBit())
				}
			}
			ot, ft := c.walk(v.Then, t)
			oe, fe := c.walk(v.Else, e)
			switch {
			case ft && fe:
				st = ot.and(oe)
			case ft:
				st = ot
			case fe:
				st = oe
			default:
				return st, false
			}
		default:
			for _, d := range base.Defs {
				st.set(d.Index)
			}
			if base.Confirms {
				st.set(c.confirmedBit())
			}
		}
	}
	return st, true
}

// confirmsOn says which branch of a yes/no condition runs after "yes": 1 then, -1 else, 0
// neither (a comparison of two answers).
func confirmsOn(cd *Cond) int {
	switch cd.Op {
	case "":
		return 1
	case "not":
		return -1
	case "==", "!=":
		if cd.Right != nil {
			return 0
		}
		yes := cd.Lit == "yes"
		if (cd.Op == "==") == yes {
			return 1
		}
		return -1
	}
	return 0
}

// checkSilent reports a sensitive action that runs with neither an alpha identifier nor a
// confirmation by the user before it, unless waived.
func (c *checker) checkSilent(s Step, confirmed bool) {
	var alpha *Text
	var silent, kind string
	switch v := s.(type) {
	case *SendSMS:
		alpha, silent, kind = v.Alpha, v.Silent, "send_sms"
	case *SendUSSD:
		alpha, silent, kind = v.Alpha, v.Silent, "send_ussd"
	case *Call:
		alpha, silent, kind = v.Alpha, v.Silent, "call"
	case *Browser:
		alpha, silent, kind = v.Alpha, v.Silent, "browser"
	default:
		return
	}
	if silent != "" || confirmed || !alpha.isEmpty() {
		return
	}
	c.errorf(s.base().Pos, "silent-action", "%s runs silently: it has no alpha and no confirm before it; give it an alpha (shown while it runs), put a confirm before it, or waive with silent: \"<reason>\"", kind)
}

// loops reports reachable menus from which the spec gives no way to end the session: every
// item (and every handler) leads to another menu that cannot end either. The user can always
// cancel on the handset; a menu that relies on that alone is a loop without an exit.
func (c *checker) loops() {
	canExit := map[*Menu]bool{}
	for _, m := range c.menuList {
		canExit[m] = len(m.Items) == 0 // already an error of its own
	}
	for changed := true; changed; {
		changed = false
		for _, m := range c.menuList {
			if canExit[m] {
				continue
			}
			for _, it := range m.Items {
				if e, f := blockExits(it.Flow, canExit); e || f {
					canExit[m] = true
					changed = true
					break
				}
			}
		}
	}
	next := map[*Menu]map[string]bool{}
	for _, m := range c.menuList {
		next[m] = map[string]bool{}
		for _, it := range m.Items {
			gotoTargets(it.Flow, next[m])
		}
	}
	for _, m := range c.menuList {
		if !m.Reachable || canExit[m] || !c.inCycle(m, next) {
			continue
		}
		targets := next[m]
		var ts []string
		for t := range targets {
			ts = append(ts, t)
		}
		sort.Strings(ts)
		c.errorf(m.Pos, "loop-without-exit", "menu %q has no way out: every item goes on to %s, and none of those ever ends the session; give one item a flow that ends (or an end action)", m.Name, strings.Join(quoteAll(ts), ", "))
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "\"" + s + "\""
	}
	return out
}

func gotoTargets(b *Block, into map[string]bool) {
	if b == nil {
		return
	}
	for _, s := range b.Steps {
		for _, h := range s.base().On {
			gotoTargets(h.Flow, into)
		}
		switch v := s.(type) {
		case *Goto:
			if v.Menu != nil {
				into[v.Menu.Name] = true
			}
		case *If:
			gotoTargets(v.Then, into)
			gotoTargets(v.Else, into)
		}
	}
}

// blockExits says whether some path through b ends the session (exit) and whether b can run to
// its end (falls through), given which menus are known to have an exit.
func blockExits(b *Block, canExit map[*Menu]bool) (exit, falls bool) {
	if b == nil {
		return false, true
	}
	for _, s := range b.Steps {
		for _, h := range s.base().On {
			if e, f := blockExits(h.Flow, canExit); e || f {
				exit = true
			}
		}
		switch v := s.(type) {
		case *Goto:
			return exit || v.Menu == nil || canExit[v.Menu], false
		case *End:
			return true, false
		case *If:
			e1, f1 := blockExits(v.Then, canExit)
			e2, f2 := blockExits(v.Else, canExit)
			exit = exit || e1 || e2
			if !f1 && !f2 {
				return exit, false
			}
		}
	}
	return exit, true
}

// inCycle reports whether m can come back to itself through gotos: the menus that only lead
// into a loop are not reported, the loop's menus are.
func (c *checker) inCycle(m *Menu, next map[*Menu]map[string]bool) bool {
	seen := map[string]bool{}
	stack := []string{}
	for t := range next[m] {
		stack = append(stack, t)
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == m.Name {
			return true
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		if mm := c.menus[n]; mm != nil {
			for t := range next[mm] {
				stack = append(stack, t)
			}
		}
	}
	return false
}
