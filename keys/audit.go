package keys

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// Audit actions written by this package; other packages (campaigns) add their own.
const (
	AuditImport        = "import"
	AuditExport        = "export"
	AuditRotateMaster  = "rotate-master-key"
	AuditRotateSigning = "rotate-signing-key"
	AuditRetireSigning = "retire-signing-key"
	AuditCampaign      = "campaign"
	AuditTenant        = "tenant"
	AuditInit          = "init"
	auditHashDomain    = "stkforge.audit.v1"
)

// AuditRecord is what happened; the store gives it a sequence number and chains it.
type AuditRecord struct {
	Time    time.Time
	Actor   string // who asked: user, service, tenant
	Action  string // one of the Audit* constants or a caller's own
	Subject string // what it was about: a file name, a key ID, a campaign ID
	Detail  string // free text or JSON, never a secret
}

// AuditEntry is one entry of the append-only audit log. Hash is SHA-256 over the entry's fields
// and Prev, the Hash of the entry before it (zero for the first), so altering, removing or
// reordering entries breaks the chain at that point.
type AuditEntry struct {
	Seq uint64
	AuditRecord
	Prev [32]byte
	Hash [32]byte
}

// ChainAudit makes the entry that follows prev (nil for the first entry of the log).
func ChainAudit(prev *AuditEntry, rec AuditRecord) AuditEntry {
	e := AuditEntry{Seq: 1, AuditRecord: rec}
	e.Time = e.Time.UTC().Truncate(time.Microsecond) // what both backends store exactly
	if prev != nil {
		e.Seq = prev.Seq + 1
		e.Prev = prev.Hash
	}
	e.Hash = e.computeHash()
	return e
}

func (e *AuditEntry) computeHash() [32]byte {
	h := sha256.New()
	var b []byte
	b = append(b, auditHashDomain...)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UTC().UnixMicro()))
	for _, s := range []string{e.Actor, e.Action, e.Subject, e.Detail} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = append(b, e.Prev[:]...)
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// AuditChainError names the first entry where the chain breaks.
type AuditChainError struct {
	Seq    uint64 // sequence number of the first broken entry
	Reason string
}

func (e *AuditChainError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// VerifyAudit checks entries (in log order) form one unbroken chain from sequence 1.
func VerifyAudit(entries []AuditEntry) error {
	var prev *AuditEntry
	for i := range entries {
		e := &entries[i]
		want := uint64(1)
		var wantPrev [32]byte
		if prev != nil {
			want = prev.Seq + 1
			wantPrev = prev.Hash
		}
		switch {
		case e.Seq != want:
			return &AuditChainError{Seq: e.Seq, Reason: fmt.Sprintf("sequence number %d follows %d: entries missing or reordered", e.Seq, want-1)}
		case e.Prev != wantPrev:
			return &AuditChainError{Seq: e.Seq, Reason: "previous hash does not match the entry before it"}
		case e.Hash != e.computeHash():
			return &AuditChainError{Seq: e.Seq, Reason: "hash does not match the entry's content"}
		}
		prev = e
	}
	return nil
}
