;; The structure scanner's hot loop in WebAssembly with 128-bit SIMD (json-structure.ts `skip`): it steps
;; over a nested JSON value whose opening byte the scanner has read, 16 bytes at a time, and stops where the
;; value closes, where the chunk ends, or, in a skipped object, where the string value of a name member starts
;; (member names `name`, `cluster_name`, `clusterName`: json-structure.ts NAME_KEYS), or the array value of a
;; list member (`domains`: LIST_KEYS) starts (json-structure's tests compare this
;; path with the JavaScript one on every dump we have). Most of a dump's bytes are here, and 16 bytes
;; compared at once run several times faster than any byte loop JavaScript can JIT.
;;
;; Build: `node scripts/build-wasm.mjs` writes json-skip-wasm.ts (the bytes, base64) from this file; a test
;; fails when the two differ.
;;
;; A block of 16 bytes is taken whole when no value boundary the caller cares about can lie in it: quotes
;; give the bytes inside strings (prefix XOR of the quote mask, the carry being whether the block starts in a
;; string), brackets and braces outside strings move the depth, and if the depth cannot fall to the level
;; the caller watches (`floor`) anywhere in the block, only the counts matter. Blocks with a backslash, and
;; blocks that reach the watched level, go byte by byte.
(module
  (memory (export "memory") 17)

  ;; scan state, kept between calls (a value may span many chunks)
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (global $inString (export "inString") (mut i32) (i32.const 0))
  (global $escaped (export "escaped") (mut i32) (i32.const 0))
  ;; at the first level of a skipped object: a member name comes next; a name is being read; its bytes
  (global $keyNext (export "keyNext") (mut i32) (i32.const 0))
  (global $keyReading (export "keyReading") (mut i32) (i32.const 0))
  (global $keyLength (export "keyLength") (mut i32) (i32.const 0))
  (global $keyLow (export "keyLow") (mut i64) (i64.const 0))
  (global $keyHigh (export "keyHigh") (mut i64) (i64.const 0))
  ;; which member the current one is: 0 none, 1 name, 2 cluster_name, 3 clusterName (string values are
  ;; captured), 4 domains (an array value is)
  (global $nameKey (export "nameKey") (mut i32) (i32.const 0))

  ;; the member name just read, as a name key number
  (func $matchKey (result i32)
    (if (i32.and (i32.eq (global.get $keyLength) (i32.const 4))
                 (i64.eq (global.get $keyLow) (i64.const 0x656d616e)))              ;; "name"
      (then (return (i32.const 1))))
    (if (i32.and (i32.eq (global.get $keyLength) (i32.const 12))
                 (i32.and (i64.eq (global.get $keyLow) (i64.const 0x5f72657473756c63))  ;; "cluster_"
                          (i64.eq (global.get $keyHigh) (i64.const 0x656d616e))))      ;; "name"
      (then (return (i32.const 2))))
    (if (i32.and (i32.eq (global.get $keyLength) (i32.const 11))
                 (i32.and (i64.eq (global.get $keyLow) (i64.const 0x4e72657473756c63))  ;; "clusterN"
                          (i64.eq (global.get $keyHigh) (i64.const 0x656d61))))        ;; "ame"
      (then (return (i32.const 3))))
    (if (i32.and (i32.eq (global.get $keyLength) (i32.const 7))
                 (i64.eq (global.get $keyLow) (i64.const 0x736e69616d6f64)))        ;; "domains"
      (then (return (i32.const 4))))
    (i32.const 0))

  ;; the member name in memory[at, at + length) as a name key number (see $matchKey)
  (func $nameAt (param $at i32) (param $length i32) (result i32)
    (if (i32.eq (local.get $length) (i32.const 4))
      (then (return (i32.eq (i32.load (local.get $at)) (i32.const 0x656d616e)))))            ;; "name"
    (if (i32.eq (local.get $length) (i32.const 12))
      (then
        (if (i32.and (i64.eq (i64.load (local.get $at)) (i64.const 0x5f72657473756c63))        ;; "cluster_"
                     (i32.eq (i32.load offset=8 (local.get $at)) (i32.const 0x656d616e)))      ;; "name"
          (then (return (i32.const 2))))))
    (if (i32.eq (local.get $length) (i32.const 11))
      (then
        (if (i32.and (i64.eq (i64.load (local.get $at)) (i64.const 0x4e72657473756c63))        ;; "clusterN"
                     (i32.eq (i32.and (i32.load offset=8 (local.get $at)) (i32.const 0xffffff))
                             (i32.const 0x656d61)))                                             ;; "ame"
          (then (return (i32.const 3))))))
    (if (i32.eq (local.get $length) (i32.const 7))
      (then
        (if (i64.eq (i64.and (i64.load (local.get $at)) (i64.const 0xffffffffffffff))
                    (i64.const 0x736e69616d6f64))                                               ;; "domains"
          (then (return (i32.const 4))))))
    (i32.const 0))

  ;; whether the current member is a name member (its string value is captured)
  (func $isName (result i32)
    (i32.lt_u (i32.sub (global.get $nameKey) (i32.const 1)) (i32.const 3)))

  ;; one byte of a member name (bytes past the sixteenth only count)
  (func $keyByte (param $b i32)
    (if (i32.lt_u (global.get $keyLength) (i32.const 8))
      (then (global.set $keyLow (i64.or (global.get $keyLow)
              (i64.shl (i64.extend_i32_u (local.get $b)) (i64.extend_i32_u (i32.shl (global.get $keyLength) (i32.const 3))))))))
    (if (i32.and (i32.ge_u (global.get $keyLength) (i32.const 8)) (i32.lt_u (global.get $keyLength) (i32.const 16)))
      (then (global.set $keyHigh (i64.or (global.get $keyHigh)
              (i64.shl (i64.extend_i32_u (local.get $b))
                       (i64.extend_i32_u (i32.shl (i32.sub (global.get $keyLength) (i32.const 8)) (i32.const 3))))))))
    (global.set $keyLength (i32.add (global.get $keyLength) (i32.const 1))))

  ;; One byte. Returns 0 to go on, 1 when the value has closed, 2 when a name member's string value or a
  ;; list member's array value starts at this byte (the caller reads it; the state is as after it).
  (func $step (param $b i32) (param $stop i32) (param $capture i32) (result i32)
    (local $folded i32)
    (if (global.get $inString)
      (then
        (if (global.get $escaped)
          (then
            (global.set $escaped (i32.const 0))
            (return (i32.const 0))))
        (if (i32.eq (local.get $b) (i32.const 0x5c)) ;; backslash: an escaped name is never a name key
          (then
            (global.set $escaped (i32.const 1))
            (global.set $keyLength (i32.const 99))
            (return (i32.const 0))))
        (if (i32.eq (local.get $b) (i32.const 0x22))
          (then
            (global.set $inString (i32.const 0))
            (if (global.get $keyReading)
              (then
                (global.set $keyReading (i32.const 0))
                (global.set $nameKey (call $matchKey))))
            (return (i32.const 0))))
        (if (global.get $keyReading) (then (call $keyByte (local.get $b))))
        (return (i32.const 0))))
    (if (i32.eq (local.get $b) (i32.const 0x22))
      (then
        (if (i32.and (local.get $capture) (i32.eq (global.get $depth) (i32.add (local.get $stop) (i32.const 1))))
          (then
            (if (global.get $keyNext)
              (then
                (global.set $keyReading (i32.const 1))
                (global.set $keyLength (i32.const 0))
                (global.set $keyLow (i64.const 0))
                (global.set $keyHigh (i64.const 0)))
              (else
                (if (call $isName)
                  (then (return (i32.const 2))))))))
        (global.set $inString (i32.const 1))
        (return (i32.const 0))))
    (if (i32.and (i32.eq (local.get $b) (i32.const 0x5b))
                 (i32.and (i32.eq (global.get $nameKey) (i32.const 4)) (i32.eqz (global.get $keyNext))))
      (then
        (if (i32.and (local.get $capture) (i32.eq (global.get $depth) (i32.add (local.get $stop) (i32.const 1))))
          (then (return (i32.const 2))))))
    ;; '[' and '{' differ in bit 5 only, as do ']' and '}'
    (local.set $folded (i32.or (local.get $b) (i32.const 0x20)))
    (if (i32.eq (local.get $folded) (i32.const 0x7b))
      (then
        (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
        (return (i32.const 0))))
    (if (i32.eq (local.get $folded) (i32.const 0x7d))
      (then
        (global.set $depth (i32.sub (global.get $depth) (i32.const 1)))
        (return (i32.eq (global.get $depth) (local.get $stop)))))
    (if (i32.and (local.get $capture) (i32.eq (global.get $depth) (i32.add (local.get $stop) (i32.const 1))))
      (then
        (if (i32.eq (local.get $b) (i32.const 0x3a)) ;; ':'
          (then (global.set $keyNext (i32.const 0))))
        (if (i32.eq (local.get $b) (i32.const 0x2c)) ;; ','
          (then
            (global.set $keyNext (i32.const 1))
            (global.set $nameKey (i32.const 0))))))
    (i32.const 0))

  ;; The result of a skip that stops where a captured value starts: its offset and event 1 + the member's number.
  (func $captureAt (param $pos i32) (result i32)
    (local $event i32)
    (local.set $event (i32.add (global.get $nameKey) (i32.const 1)))
    (global.set $nameKey (i32.const 0))
    (i32.or (i32.shl (local.get $pos) (i32.const 3)) (local.get $event)))

  ;; A nested value starts (a captured array the caller skips with stop = the depth before it).
  (func (export "enter")
    (global.set $depth (i32.add (global.get $depth) (i32.const 1))))

  ;; A skip begins just after the opening byte of the value (the scanner has read it).
  (func (export "begin")
    (global.set $depth (i32.const 1))
    (global.set $inString (i32.const 0))
    (global.set $escaped (i32.const 0))
    (global.set $keyNext (i32.const 1))
    (global.set $keyReading (i32.const 0))
    (global.set $nameKey (i32.const 0)))

  ;; Scans memory[pos, end) until the depth falls to `stop`, the bytes end, or, when `capture`, a name
  ;; member's string value or a list member's array starts at depth stop + 1. Returns offset * 8 + event:
  ;; event 0, the bytes ended (offset `end`); 1, the value closed (offset after its closing byte); 1 + k, the
  ;; value of member k ($nameKey: 1 name, 2 cluster_name, 3 clusterName, 4 domains) starts (offset of its
  ;; first byte).
  (func (export "skip") (param $pos i32) (param $end i32) (param $stop i32) (param $capture i32) (result i32)
    (local $block v128) (local $quotes i32) (local $outside i32) (local $opens i32) (local $closes i32)
    (local $marks i32) (local $k i32) (local $blockEnd i32) (local $floor i32) (local $r i32)
    (local.set $floor (i32.add (local.get $stop) (local.get $capture)))
    (block $exhausted
      (loop $next
        (br_if $exhausted (i32.ge_u (local.get $pos) (local.get $end)))
        (local.set $blockEnd (i32.add (local.get $pos) (i32.const 16)))
        (block $byBytes
          ;; byte by byte: inside an escape or a member name, and in the last bytes
          (br_if $byBytes (i32.or (i32.or (global.get $escaped) (global.get $keyReading))
                                  (i32.gt_u (local.get $blockEnd) (local.get $end))))
          (if (i32.le_s (global.get $depth) (local.get $floor))
            (then
              ;; the first level of a skipped object: a token at a time
              (br_if $byBytes (global.get $inString))
              (local.set $r (i32.load8_u (local.get $pos)))
              (if (i32.ne (local.get $r) (i32.const 0x22))
                (then
                  (local.set $r (call $step (local.get $r) (local.get $stop) (local.get $capture)))
                  (if (i32.eq (local.get $r) (i32.const 1))
                    (then (return (i32.or (i32.shl (i32.add (local.get $pos) (i32.const 1)) (i32.const 3)) (i32.const 1)))))
                  (if (i32.eq (local.get $r) (i32.const 2))
                    (then (return (call $captureAt (local.get $pos)))))
                  (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
                  (br $next)))
              ;; a string: its closing quote, 16 bytes at a time (with a backslash, byte by byte)
              (local.set $k (i32.add (local.get $pos) (i32.const 1)))
              (loop $find
                (br_if $byBytes (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $end)))
                (local.set $block (v128.load (local.get $k)))
                (br_if $byBytes (i8x16.bitmask (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x5c)))))
                (local.set $quotes (i8x16.bitmask (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x22)))))
                (if (i32.eqz (local.get $quotes))
                  (then
                    (local.set $k (i32.add (local.get $k) (i32.const 16)))
                    (br $find))))
              (local.set $k (i32.add (local.get $k) (i32.ctz (local.get $quotes))))
              (if (global.get $keyNext)
                (then (global.set $nameKey (call $nameAt (i32.add (local.get $pos) (i32.const 1))
                                                         (i32.sub (i32.sub (local.get $k) (local.get $pos)) (i32.const 1)))))
                (else
                  (if (call $isName)
                    (then (return (call $captureAt (local.get $pos)))))))
              (local.set $pos (i32.add (local.get $k) (i32.const 1)))
              (br $next)))
          (local.set $block (v128.load (local.get $pos)))
          (br_if $byBytes (i8x16.bitmask (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x5c)))))
          (local.set $quotes (i8x16.bitmask (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x22)))))
          (if (i32.and (global.get $inString) (i32.eqz (local.get $quotes)))
            (then
              (local.set $pos (local.get $blockEnd))
              (br $next)))
          ;; the bytes outside strings: prefix XOR of the quotes marks the inside (opening quotes included,
          ;; closing ones not), flipped when the block starts inside a string
          (local.set $outside (local.get $quotes))
          (local.set $outside (i32.xor (local.get $outside) (i32.shl (local.get $outside) (i32.const 1))))
          (local.set $outside (i32.xor (local.get $outside) (i32.shl (local.get $outside) (i32.const 2))))
          (local.set $outside (i32.xor (local.get $outside) (i32.shl (local.get $outside) (i32.const 4))))
          (local.set $outside (i32.xor (local.get $outside) (i32.shl (local.get $outside) (i32.const 8))))
          (local.set $outside (i32.and (i32.xor (local.get $outside)
                                                (select (i32.const 0) (i32.const 0xffff) (global.get $inString)))
                                       (i32.const 0xffff)))
          ;; '[' and '{' differ in bit 5 only, as do ']' and '}'
          (local.set $block (v128.or (local.get $block) (i8x16.splat (i32.const 0x20))))
          (local.set $opens (i32.and (i8x16.bitmask (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x7b))))
                                     (local.get $outside)))
          (local.set $closes (i32.and (i8x16.bitmask (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x7d))))
                                      (local.get $outside)))
          (global.set $inString (i32.xor (global.get $inString) (i32.and (i32.popcnt (local.get $quotes)) (i32.const 1))))
          (if (i32.gt_s (i32.sub (global.get $depth) (i32.popcnt (local.get $closes))) (local.get $floor))
            (then
              ;; the depth cannot fall to the watched level in this block: only the counts matter
              (global.set $depth (i32.add (global.get $depth)
                                          (i32.sub (i32.popcnt (local.get $opens)) (i32.popcnt (local.get $closes)))))
              (local.set $pos (local.get $blockEnd))
              (br $next)))
          ;; it may: follow the brackets in order
          (local.set $marks (i32.or (local.get $opens) (local.get $closes)))
          (block $walked
            (loop $walk
              (br_if $walked (i32.eqz (local.get $marks)))
              (local.set $k (i32.ctz (local.get $marks)))
              (local.set $marks (i32.and (local.get $marks) (i32.sub (local.get $marks) (i32.const 1))))
              (if (i32.and (local.get $opens) (i32.shl (i32.const 1) (local.get $k)))
                (then (global.set $depth (i32.add (global.get $depth) (i32.const 1))))
                (else
                  (global.set $depth (i32.sub (global.get $depth) (i32.const 1)))
                  (if (i32.eq (global.get $depth) (local.get $floor))
                    (then
                      ;; just after byte k, outside any string
                      (global.set $inString (i32.const 0))
                      (local.set $pos (i32.add (i32.add (local.get $pos) (local.get $k)) (i32.const 1)))
                      (if (i32.eq (local.get $floor) (local.get $stop))
                        (then (return (i32.or (i32.shl (local.get $pos) (i32.const 3)) (i32.const 1)))))
                      (br $next)))))
              (br $walk)))
          (local.set $pos (local.get $blockEnd))
          (br $next))
        (if (i32.gt_u (local.get $blockEnd) (local.get $end)) (then (local.set $blockEnd (local.get $end))))
        (loop $bytes
          (local.set $r (call $step (i32.load8_u (local.get $pos)) (local.get $stop) (local.get $capture)))
          (if (i32.eq (local.get $r) (i32.const 1))
            (then (return (i32.or (i32.shl (i32.add (local.get $pos) (i32.const 1)) (i32.const 3)) (i32.const 1)))))
          (if (i32.eq (local.get $r) (i32.const 2))
            (then (return (call $captureAt (local.get $pos)))))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (br_if $bytes (i32.lt_u (local.get $pos) (local.get $blockEnd))))
        (br $next)))
    (i32.shl (local.get $end) (i32.const 3)))
)
