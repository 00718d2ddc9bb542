package card

// Status words (TS 102 221 10.2.1, TS 51.011 9.4).
const (
	SWOK            uint16 = 0x9000
	SWToolkitBusy   uint16 = 0x9300
	SWWrongLength   uint16 = 0x6700
	SWClassNotSupp  uint16 = 0x6E00
	SWINSNotSupp    uint16 = 0x6D00
	SWTechnical     uint16 = 0x6F00
	SWMaxValue      uint16 = 0x9850 // INCREASE cannot be performed, max value reached
	swProactiveBase uint16 = 0x9100 // 91 xx: proactive command of xx bytes pending
	swMoreUICC      uint16 = 0x6100 // 61 xx: xx bytes to GET RESPONSE (UICC)
	swMoreSIM       uint16 = 0x9F00 // 9F xx: xx bytes to GET RESPONSE (SIM)
	swWrongLeUICC   uint16 = 0x6C00 // 6C xx: wrong Le, xx is right (ISO/IEC 7816-3 10.3.3)
	swWrongP3SIM    uint16 = 0x6700 // 67 xx: incorrect P3, xx is right (TS 51.011 9.4.6)
	swTriesUICC     uint16 = 0x63C0 // 63 Cx: verification failed, x tries left
)

// cond is a condition the card reports with a different status word per class.
type cond uint8

const (
	condFileNotFound    cond = iota // 6A82 | 9404
	condNoEF                        // 6986 | 9400
	condStructure                   // 6981 | 9408
	condSecurity                    // 6982 | 9804
	condBlocked                     // 6983 | 9840
	condInvalidated                 // 6984 | 9810
	condConditions                  // 6985 | 9808
	condRecordNotFound              // 6A83 | 9402
	condOutOfRange                  // 6B00 | 9402
	condP1P2                        // 6A86 | 6B00
	condLcP1P2                      // 6A87 | 6700
	condRefNotFound                 // 6A88 | 9802
	condMemory                      // 6581 | 9240
	condBadData                     // 6A80 | 6F00
	condWrongLength                 // 6700 | 6700
	condChannel                     // 6881 | 6E00
	condPatternNotFound             // 6A83 | 9404
	condTechnical                   // 6F00 | 6F00
	condCount
)

// condSW maps each condition to its status word under TS 102 221 (UICC, CLA 0X/8X) and
// TS 51.011 (SIM, CLA A0): a table, so the two columns read side by side.
var condSW = [condCount][2]uint16{
	condFileNotFound:    {0x6A82, 0x9404},
	condNoEF:            {0x6986, 0x9400},
	condStructure:       {0x6981, 0x9408},
	condSecurity:        {0x6982, 0x9804},
	condBlocked:         {0x6983, 0x9840},
	condInvalidated:     {0x6984, 0x9810},
	condConditions:      {0x6985, 0x9808},
	condRecordNotFound:  {0x6A83, 0x9402},
	condOutOfRange:      {0x6B00, 0x9402},
	condP1P2:            {0x6A86, 0x6B00},
	condLcP1P2:          {0x6A87, 0x6700},
	condRefNotFound:     {0x6A88, 0x9802},
	condMemory:          {0x6581, 0x9240},
	condBadData:         {0x6A80, 0x6F00},
	condWrongLength:     {0x6700, 0x6700},
	condChannel:         {0x6881, 0x6E00},
	condPatternNotFound: {0x6A83, 0x9404},
	condTechnical:       {0x6F00, 0x6F00},
}
