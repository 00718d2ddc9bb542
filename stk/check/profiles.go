package check

import (
	"sort"

	"github.com/stkforge/stkforge/stk/cat/profile"
)

// handsetLimits are the handset profiles stkforge checks against. The TERMINAL PROFILE comes
// from stk/cat/profile; the limits are stkforge's model of each class of handset:
//
//   - android: Android's CatService gives up on a menu or prompt after 30 s and its GET INPUT
//     takes at most 239 GSM or 118 UCS2 characters.
//   - feature-phone: a small phone, 60 s, and an input buffer the size of one SMS (160 GSM or
//     70 UCS2 characters).
//   - strict: only what TS 102 223 itself bounds: the answer must fit a TERMINAL RESPONSE of 255
//     bytes, which leaves 239 octets of text (239 GSM characters unpacked, 119 UCS2), and no
//     timeout.
var handsetLimits = map[string]Handset{
	"android":       {Name: "android", MenuTimeout: 30, InputMaxGSM: 239, InputMaxUCS2: 118},
	"feature-phone": {Name: "feature-phone", MenuTimeout: 60, InputMaxGSM: 160, InputMaxUCS2: 70},
	"strict":        {Name: "strict", MenuTimeout: 0, InputMaxGSM: 239, InputMaxUCS2: 119},
}

// HandsetNames returns the handset profiles the checker knows, sorted.
func HandsetNames() []string {
	var ns []string
	for n := range handsetLimits {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// LookupHandset returns a handset profile and its TERMINAL PROFILE.
func LookupHandset(name string) (*Handset, profile.Profile, bool) {
	h, ok := handsetLimits[name]
	if !ok {
		return nil, profile.Profile{}, false
	}
	tp, ok := profile.Named(name)
	if !ok {
		return nil, profile.Profile{}, false
	}
	if w, _ := tp.Field("screen_width"); w > 0 {
		red, _ := tp.Field("menu_width_reduction")
		h.MenuWidth = max(w-red, 1)
	}
	return &h, tp, true
}

// cardLimits are the card profiles: the three memory sizes STK cards come in (16, 32 and 64 KB)
// with the toolkit runtime limits stkforge's card simulator has for each. The limits are
// stkforge's; TS 102 223 bounds only the item identifier (01..FF) and the 255-byte command.
var cardLimits = map[string]Card{
	"16k": {Name: "16k", Memory: 16 * 1024, MaxMenuItems: 10, MaxSelectItems: 16, MaxVarBytes: 512},
	"32k": {Name: "32k", Memory: 32 * 1024, MaxMenuItems: 20, MaxSelectItems: 32, MaxVarBytes: 1024},
	"64k": {Name: "64k", Memory: 64 * 1024, MaxMenuItems: 40, MaxSelectItems: 64, MaxVarBytes: 2048},
}

// CardNames returns the card profiles the checker knows, sorted.
func CardNames() []string {
	var ns []string
	for n := range cardLimits {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// LookupCard returns a card profile.
func LookupCard(name string) (*Card, bool) {
	c, ok := cardLimits[name]
	if !ok {
		return nil, false
	}
	return &c, true
}

// MaxCommandLen is the longest proactive command: the whole D0 TLV must come back in one FETCH
// whose length the card announces in SW2 of 91xx (TS 102 221: FETCH has a one-byte Le).
const MaxCommandLen = 255
