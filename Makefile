# MistSwift: build, test, run, install, benchmark and fuzz.
# `make deps` installs the Debian packages the build and the tests need (see packaging/install-deps).

PREFIX ?= /usr/local
CONFIG ?= $(CURDIR)/run/config.json
FUZZ_SECONDS ?= 30
SWIFT ?= swift
# Every binary has a man page (ManPageTests checks them), so man/ names what to install.
BINARIES = $(basename $(notdir $(wildcard man/*.1)))
FUZZERS = json dtmi dtsc dtscstream pages api rtmp http httpclient tls rtp webrtc selector mp4 flv ts hls sps amf jwt manifests ebml
# `make fuzz-long`: each fuzzer for FUZZ_LONG_RUNS executions or FUZZ_LONG_SECONDS, whichever comes first.
FUZZ_LONG_RUNS ?= 10000000
FUZZ_LONG_SECONDS ?= 600
FUZZ_DIR = .build/fuzz

.PHONY: all release deps test lint run install deb deb-test bench fuzz fuzz-long man screenshots clean interop

all: release

release:
	$(SWIFT) build -c release

deps:
	packaging/install-deps

# Unit, fixture and end-to-end tests (the binaries are started for real), then the format check.
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) lint

lint:
	$(SWIFT) format lint --strict --recursive --parallel Package.swift Sources Tests Plugins Fuzz

# Starts the controller in the foreground with a configuration under ./run (Ctrl-C stops it).
run: release
	mkdir -p $(dir $(CONFIG))
	.build/release/MistController -c $(CONFIG)

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	for binary in $(BINARIES); do install -m 755 .build/release/$$binary $(DESTDIR)$(PREFIX)/bin/; done
	for page in man/*.1; do gzip -9n < $$page > $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename $$page).gz; done
	install -d $(DESTDIR)$(PREFIX)/share/mistswift/www
	install -m 644 Sources/MistControl/WebInterface/* $(DESTDIR)$(PREFIX)/share/mistswift/www/

# The Debian package: .build/deb/mistswift_<version>_<arch>.deb (see packaging/build-deb).
deb:
	SWIFT=$(SWIFT) packaging/build-deb

# Installs the package into a fresh Debian 12 root and pushes and plays a stream there; needs
# root and Debian's archive. Slow (a few minutes the first time), so not part of `make test`.
deb-test: deb
	packaging/deb-test

bench:
	$(SWIFT) run -c release MistBench

# Walks the management interface in headless Chromium and copies its screenshots into docs/.
screenshots:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter WebInterfaceTests
	mkdir -p docs
	cp .build/test-output/web-interface/*.png docs/

# Mixed suites with MistServer's binaries (MISTSERVER=<folder>), one role swapped at a time each
# way, pushed to and played; prints a table. Needs ffmpeg, and no other server on the machine.
interop:
	@test -n "$(MISTSERVER)" || { echo "usage: make interop MISTSERVER=<folder of MistServer's binaries>"; exit 2; }
	$(SWIFT) build
	LD_LIBRARY_PATH="$(MISTSERVER)/lib:$$LD_LIBRARY_PATH" python3 interop/interop.py .build/debug $(MISTSERVER)

# Regenerates man/*.1 from each binary's -j capabilities.
man:
	$(SWIFT) package --allow-writing-to-package-directory generate-man-pages

# Each fuzzer is built with libFuzzer and AddressSanitizer and runs for FUZZ_SECONDS seconds,
# starting from the test fixtures; a finding leaves a crash-* file in $(FUZZ_DIR) and fails.
fuzz: $(FUZZERS:%=$(FUZZ_DIR)/%)
	for fuzzer in $(FUZZERS); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$fuzzer && \
		cp Fuzz/seeds/$$fuzzer/* $(FUZZ_DIR)/corpus-$$fuzzer/ && \
		$(FUZZ_DIR)/$$fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=$(FUZZ_DIR)/ \
			$(FUZZ_DIR)/corpus-$$fuzzer || exit 1; \
	done

# The long run: every fuzzer, with a summary line of executions and findings per target in
# $(FUZZ_DIR)/long-summary.txt (a finding leaves its crash-* input and fails at the end).
fuzz-long: $(FUZZERS:%=$(FUZZ_DIR)/%)
	rm -f $(FUZZ_DIR)/long-summary.txt; status=0; \
	for fuzzer in $(FUZZERS); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$fuzzer && cp Fuzz/seeds/$$fuzzer/* $(FUZZ_DIR)/corpus-$$fuzzer/ && \
		$(FUZZ_DIR)/$$fuzzer -runs=$(FUZZ_LONG_RUNS) -max_total_time=$(FUZZ_LONG_SECONDS) -max_len=65536 \
			-artifact_prefix=$(FUZZ_DIR)/$$fuzzer- -print_final_stats=1 $(FUZZ_DIR)/corpus-$$fuzzer \
			> $(FUZZ_DIR)/long-$$fuzzer.log 2>&1; result=$$?; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/long-$$fuzzer.log); \
		seconds=$$(sed -n 's/^stat::.*total_time.*: *//p' $(FUZZ_DIR)/long-$$fuzzer.log | head -1); \
		echo "$$fuzzer: $${runs:-?} executions, exit $$result" | tee -a $(FUZZ_DIR)/long-summary.txt; \
		[ $$result -eq 0 ] || status=1; \
	done; exit $$status

$(FUZZ_DIR)/json: Fuzz/FuzzJSON.swift Sources/MistData/*.swift
$(FUZZ_DIR)/dtmi: Fuzz/FuzzDTMI.swift Sources/MistData/*.swift
$(FUZZ_DIR)/dtsc: Fuzz/FuzzDTSC.swift Sources/MistData/*.swift
$(FUZZ_DIR)/dtscstream: Fuzz/FuzzDTSCStream.swift Sources/MistData/*.swift
$(FUZZ_DIR)/json $(FUZZ_DIR)/dtmi $(FUZZ_DIR)/dtsc $(FUZZ_DIR)/dtscstream:
	mkdir -p $(FUZZ_DIR)
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistData \
		Sources/MistData/*.swift $(filter Fuzz/%,$^) -o $@ 2>&1 | grep -v "Cannot export local symbol" || true
	test -x $@

# The page readers: MistShm's sources compiled in one module with MistData's (so their
# `import MistData` lines are dropped from a copy), and the C shim.
$(FUZZ_DIR)/api: Fuzz/FuzzAPI.swift Sources/MistData/*.swift Sources/MistCore/URLQuery.swift \
		Sources/MistCore/StreamName.swift Sources/MistControl/APIRequest.swift Sources/MistControl/ProtocolListEditor.swift
	rm -rf $(FUZZ_DIR)/api-src && mkdir -p $(FUZZ_DIR)/api-src
	for file in $(filter Sources/MistCore/% Sources/MistControl/%,$^); do \
		sed '/^import Mist/d; /^import Logging$$/d' $$file > $(FUZZ_DIR)/api-src/$$(basename $$file); done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistControl \
		Sources/MistData/*.swift $(FUZZ_DIR)/api-src/*.swift Fuzz/FuzzAPI.swift -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

$(FUZZ_DIR)/rtmp: Fuzz/FuzzRTMP.swift Sources/MistData/*.swift Sources/MistMedia/*.swift Sources/MistRTMP/*.swift
	rm -rf $(FUZZ_DIR)/rtmp-src && mkdir -p $(FUZZ_DIR)/rtmp-src
	for file in $(filter-out %/RTMPHandshake.swift,$(filter Sources/MistMedia/% Sources/MistRTMP/%,$^)); do \
		sed '/^import Mist/d; /^import COpenSSL$$/d' $$file > $(FUZZ_DIR)/rtmp-src/$$(basename $$file); done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistRTMP \
		Sources/MistData/*.swift $(FUZZ_DIR)/rtmp-src/*.swift Fuzz/FuzzRTMP.swift -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

$(FUZZ_DIR)/http: Fuzz/FuzzHTTP.swift Sources/MistNet/HTTPRequestHead.swift
	mkdir -p $(FUZZ_DIR)
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistNet $^ -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

# The network clients and TLS: MistNet's and MistTLS's sources in one module with MistData's and
# the clock (their `import Mist*` lines dropped from a copy), linked with Debian's OpenSSL; the
# TLS target makes its certificates with the tests' helper.
$(FUZZ_DIR)/httpclient: Fuzz/FuzzHTTPClient.swift
$(FUZZ_DIR)/tls: Fuzz/FuzzTLS.swift Tests/TLSTestSupport/TestCertificates.swift
$(FUZZ_DIR)/httpclient $(FUZZ_DIR)/tls: Sources/MistNet/*.swift Sources/MistTLS/*.swift Sources/MistData/*.swift \
		Sources/MistCore/MonotonicClock.swift
	rm -rf $@-src && mkdir -p $@-src
	for file in Sources/MistNet/*.swift Sources/MistTLS/*.swift Sources/MistCore/MonotonicClock.swift; do \
		sed '/^import Mist/d' $$file > $@-src/$$(basename $$file); done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistNet -I Sources/COpenSSL \
		Sources/MistData/*.swift $@-src/*.swift $(filter Fuzz/% Tests/%,$^) -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

# RTP and its payload formats: MistRTP's sources in one module with MistMedia's and MistData's
# (their `import Mist*` lines dropped from a copy).
$(FUZZ_DIR)/rtp: Fuzz/FuzzRTPPacket.swift Sources/MistRTP/*.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
	rm -rf $(FUZZ_DIR)/rtp-src && mkdir -p $(FUZZ_DIR)/rtp-src
	for file in $(filter Sources/MistRTP/% Sources/MistMedia/%,$^); do \
		sed '/^import Mist/d' $$file > $(FUZZ_DIR)/rtp-src/$$(basename $$file); done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistRTP \
		Sources/MistData/*.swift $(FUZZ_DIR)/rtp-src/*.swift Fuzz/FuzzRTPPacket.swift -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

# WebRTC's signalling (offers, answers) and DTLS record cutting: MistWebRTC's sources without
# the SRTP wrapper (libsrtp2 is not fuzzed here) in one module with MistRTP's, MistMedia's and
# MistData's.
$(FUZZ_DIR)/webrtc: Fuzz/FuzzWebRTC.swift Sources/MistRTP/*.swift Sources/MistWebRTC/WebRTC*.swift \
		Sources/MistWebRTC/ICECredentials.swift Sources/MistWebRTC/DTLSRecords.swift Sources/MistMedia/*.swift \
		Sources/MistData/*.swift
	rm -rf $(FUZZ_DIR)/webrtc-src && mkdir -p $(FUZZ_DIR)/webrtc-src
	for file in $(filter Sources/MistWebRTC/% Sources/MistRTP/% Sources/MistMedia/%,$^); do \
		sed '/^import Mist/d' $$file > $(FUZZ_DIR)/webrtc-src/$$(basename $$file); done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistWebRTC \
		Sources/MistData/*.swift $(FUZZ_DIR)/webrtc-src/*.swift Fuzz/FuzzWebRTC.swift -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

# The media parsers (file demuxers, playlists, parameter sets, AMF): MistMedia's sources in one
# module with MistData's (their `import MistData` lines dropped from a copy), one target each.
$(FUZZ_DIR)/mp4: Fuzz/FuzzMP4.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/flv: Fuzz/FuzzFLV.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/ts: Fuzz/FuzzTS.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/hls: Fuzz/FuzzHLS.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/sps: Fuzz/FuzzSPS.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/amf: Fuzz/FuzzAMF.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/manifests: Fuzz/FuzzManifests.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/ebml: Fuzz/FuzzEBML.swift Sources/MistMedia/*.swift Sources/MistData/*.swift
$(FUZZ_DIR)/mp4 $(FUZZ_DIR)/flv $(FUZZ_DIR)/ts $(FUZZ_DIR)/hls $(FUZZ_DIR)/sps $(FUZZ_DIR)/amf $(FUZZ_DIR)/manifests \
		$(FUZZ_DIR)/ebml:
	rm -rf $@-src && mkdir -p $@-src
	for file in Sources/MistMedia/*.swift; do sed '/^import MistData$$/d' $$file > $@-src/$$(basename $$file); done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistMedia \
		Sources/MistData/*.swift $@-src/*.swift $(filter Fuzz/%,$^) -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

$(FUZZ_DIR)/selector: Fuzz/FuzzSelector.swift Sources/MistData/*.swift Sources/MistStream/TrackSelector.swift \
		Sources/MistShm/StreamTrack.swift Sources/MistShm/TrackInfo.swift
	rm -rf $(FUZZ_DIR)/selector-src && mkdir -p $(FUZZ_DIR)/selector-src
	for file in $(filter Sources/MistStream/% Sources/MistShm/%,$^); do \
		sed '/^import Mist/d' $$file > $(FUZZ_DIR)/selector-src/$$(basename $$file); done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistStream \
		Sources/MistData/*.swift $(FUZZ_DIR)/selector-src/*.swift Fuzz/FuzzSelector.swift -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

# JSON Web Tokens: their reading and signature checks (HMAC, RSA, ECDSA), over Debian's OpenSSL.
$(FUZZ_DIR)/jwt: Fuzz/FuzzJWT.swift Sources/MistData/*.swift Sources/MistStream/JSONWebToken.swift \
		Sources/MistStream/JSONWebKey.swift
	rm -rf $(FUZZ_DIR)/jwt-src && mkdir -p $(FUZZ_DIR)/jwt-src
	for file in JSONWebToken JSONWebKey; do \
		sed '/^import Mist/d' Sources/MistStream/$$file.swift > $(FUZZ_DIR)/jwt-src/$$file.swift; done
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistStream -ISources/COpenSSL -lcrypto \
		Sources/MistData/*.swift $(FUZZ_DIR)/jwt-src/*.swift Fuzz/FuzzJWT.swift -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

$(FUZZ_DIR)/pages: Fuzz/FuzzPages.swift Sources/MistShm/*.swift Sources/MistData/*.swift Sources/CShim/shim.c
	rm -rf $(FUZZ_DIR)/pages-src && mkdir -p $(FUZZ_DIR)/pages-src
	for file in Sources/MistShm/*.swift; do sed '/^import MistData$$/d' $$file > $(FUZZ_DIR)/pages-src/$$(basename $$file); done
	clang -c -O1 -fsanitize=fuzzer-no-link,address -ISources/CShim/include Sources/CShim/shim.c -o $(FUZZ_DIR)/shim.o
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MistShm -ISources/CShim/include \
		Sources/MistData/*.swift $(FUZZ_DIR)/pages-src/*.swift Fuzz/FuzzPages.swift $(FUZZ_DIR)/shim.o -o $@ 2>&1 \
		| grep -v "Cannot export local symbol" || true
	test -x $@

clean:
	rm -rf .build
