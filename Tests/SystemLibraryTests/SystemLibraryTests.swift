import COpenSSL
import CSRT
import CShim
import CZlib
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One call into each wrapped C library, proving headers, module maps and linking work.
@Suite struct SystemLibraryTests {
    /// RFC 2202 test case 2.
    @Test func openSSLComputesHMACSHA1() {
        let key = Array("Jefe".utf8)
        let message = Array("what do ya want for nothing?".utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(EVP_sha1(), key, Int32(key.count), message, message.count, &digest, &length)
        let hexDigest = digest.prefix(Int(length)).map { String($0, radix: 16).leftPadded() }.joined()
        #expect(hexDigest == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func openSSLCreatesTLSContext() {
        let context = SSL_CTX_new(TLS_method())
        #expect(context != nil)
        #expect(mist_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1)
        SSL_CTX_free(context)
    }

    @Test func srtCreatesAndBindsSocket() {
        #expect(srt_startup() >= 0)
        defer { srt_cleanup() }
        let socket = srt_create_socket()
        #expect(socket != SRT_INVALID_SOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                srt_bind(socket, $0, Int32(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound != SRT_ERROR)
        #expect(srt_close(socket) != SRT_ERROR)
    }

    @Test func zlibChecksumAndRoundTrip() {
        let text = Array("123456789".utf8)
        #expect(crc32(0, text, UInt32(text.count)) == 0xCBF4_3926)

        let input = [UInt8](repeating: 0x61, count: 10_000)
        var compressed = [UInt8](repeating: 0, count: Int(compressBound(UInt(input.count))))
        var compressedLength = UInt(compressed.count)
        #expect(compress2(&compressed, &compressedLength, input, UInt(input.count), 9) == Z_OK)
        #expect(compressedLength < 100)
        var output = [UInt8](repeating: 0, count: input.count)
        var outputLength = UInt(output.count)
        #expect(uncompress(&output, &outputLength, compressed, compressedLength) == Z_OK)
        #expect(output == input)
    }

    @Test func namedSemaphoreThroughShim() {
        let name = "/MstSwiftTest\(getpid())"
        let semaphore = mist_sem_open(name, O_CREAT | O_EXCL, 0o600, 1)
        #expect(semaphore != nil)
        guard let semaphore else { return }
        defer {
            sem_close(semaphore)
            sem_unlink(name)
        }
        #expect(sem_trywait(semaphore) == 0)
        #expect(sem_trywait(semaphore) == -1)  // taken
        #expect(sem_post(semaphore) == 0)
        #expect(mist_sem_open(name, O_CREAT | O_EXCL, 0o600, 1) == nil)  // exists already
        #expect(errno == EEXIST)
    }

    @Test func waitStatusMacros() {
        // Exit status 3 is encoded as 0x0300 by the kernel; SIGTERM as 15.
        #expect(mist_wifexited(0x0300) != 0 && mist_wexitstatus(0x0300) == 3)
        #expect(mist_wifsignaled(15) != 0 && mist_wtermsig(15) == 15)
    }
}

extension String {
    fileprivate func leftPadded() -> String { count == 1 ? "0" + self : self }
}
