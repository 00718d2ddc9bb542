package spec

// closest returns the candidate nearest to s by edit distance, or "" when none is near enough
// to be a likely typo (distance at most a third of the longer word, and at least 1 allowed).
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(s, c)
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(len(s), len(best))/3 + 1
	if best == "" || bestD > limit || bestD == 0 && best == s {
		return ""
	}
	return best
}

// Closest is closest for the checker's "did you mean" on names (variables, menus, items).
func Closest(s string, candidates []string) string { return closest(s, candidates) }

// editDistance is the Levenshtein distance over runes, with a transposition counted as one
// edit (optimal string alignment), since swapped letters are the commonest typo.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		if a == b {
			return 0
		}
		return 1 << 20
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// didYouMean formats a suggestion suffix for a message.
func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return " (did you mean \"" + c + "\"?)"
	}
	return ""
}

// DidYouMean is didYouMean for the checker.
func DidYouMean(s string, candidates []string) string { return didYouMean(s, candidates) }
