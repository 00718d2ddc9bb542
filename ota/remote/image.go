package remote

import "fmt"

// Script store of the simulated card and of stk/image (docs/image-format.md, "OTA delivery"):
// DF 7F4F under the MF holding the two image slots and the control EF.
const (
	FIDScriptStore  uint16 = 0x7F4F
	FIDImageSlotA   uint16 = 0x6F01
	FIDImageSlotB   uint16 = 0x6F02
	FIDImageControl uint16 = 0x6F03
	imageChunk             = 255 // UPDATE BINARY data octets, at most (TS 102 221 11.1.4)
	maxImageOffset         = 0x7FFF
)

// ImageScript is the compact RFM script (TS 102 226 5.1.1, UICC dialect) that writes a script
// image into slot (1: EF 6F01, 2: EF 6F02, which must be the card's inactive slot) and commits
// it: SELECT 7F4F, SELECT the slot EF, UPDATE BINARY chunks of at most 255 octets from offset
// 0, then SELECT 6F03, UPDATE BINARY offset 1 with the slot (the commit request) and READ
// BINARY offset 0, 4 octets, so the PoR data (TS 102 226 5.1.2: count, 90 00, last data) ends
// with the control EF: active slot, 00, commit status, format version (docs/image-format.md).
func ImageScript(image []byte, slot byte) ([]byte, error) {
	if slot != 1 && slot != 2 {
		return nil, errorf(ErrInvalid, "slot", 0, "%d: want 1 (EF 6F01) or 2 (EF 6F02)", slot)
	}
	if len(image) == 0 || len(image) > maxImageOffset+1 {
		return nil, errorf(ErrInvalid, "image", 0, "%d octets, want 1..%d", len(image), maxImageOffset+1)
	}
	cmds := []CommandAPDU{SelectFID(UICC, FIDScriptStore), SelectFID(UICC, FIDImageSlotA+uint16(slot)-1)}
	for off := 0; off < len(image); off += imageChunk {
		u, err := UpdateBinary(UICC, uint16(off), image[off:min(off+imageChunk, len(image))])
		if err != nil {
			return nil, fmt.Errorf("image offset %d: %w", off, err)
		}
		cmds = append(cmds, u)
	}
	commit, _ := UpdateBinary(UICC, 1, []byte{slot})
	read, _ := ReadBinary(UICC, 0, 4)
	cmds = append(cmds, SelectFID(UICC, FIDImageControl), commit, read)
	return CompactScript(cmds...)
}

// ImageCommit is the control EF as the PoR of an image script returns it.
type ImageCommit struct {
	Active  byte // 00 none, 01 EF 6F01, 02 EF 6F02
	Status  byte // 00 activated; see ImageCommitStatus
	Version byte // format version of the image tried
}

// imageCommitStatus names byte 2 of EF 6F03 (docs/image-format.md).
var imageCommitStatus = map[byte]string{
	0x00: "activated",
	0x01: "slot does not hold a whole CBOR item",
	0x02: "hash mismatch",
	0x03: "invalid image",
	0x04: "unsigned",
	0x05: "signature does not verify with a trusted issuer key",
	0x06: "the request names the active slot or no slot",
	0x07: "the image needs a command the card's toolkit cannot run",
}

// ImageCommitStatus names a commit status byte.
func ImageCommitStatus(b byte) string {
	if s, ok := imageCommitStatus[b]; ok {
		return s
	}
	return fmt.Sprintf("unknown commit status %02X", b)
}

// ParseImageCommit reads a compact PoR's additional data (TS 102 226 5.1.2: number of commands
// executed, last status word, last response data) as the control EF the image script's final
// READ BINARY returned: it must end with 90 00 and 4 octets of EF 6F03.
func ParseImageCommit(porData []byte) (ImageCommit, error) {
	r, err := ParseCompactResponse(porData)
	if err != nil {
		return ImageCommit{}, err
	}
	if r.SW != 0x9000 {
		return ImageCommit{}, errorf(ErrInvalid, "response.sw", 1, "last status word %04X after %d commands, not 9000: the script stopped early", r.SW, r.Executed)
	}
	if len(r.Data) != 4 {
		return ImageCommit{}, errorf(ErrInvalid, "response.data", 3, "%d octets, want the 4 of EF 6F03", len(r.Data))
	}
	return ImageCommit{Active: r.Data[0], Status: r.Data[2], Version: r.Data[3]}, nil
}
