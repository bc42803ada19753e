#ifndef MISTSWIFT_COPENSSL_SHIM_H
#define MISTSWIFT_COPENSSL_SHIM_H
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// Function-like macros do not import into Swift; these wrap the ones the suite uses.
static inline long mist_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long mist_SSL_CTX_set_options(SSL_CTX *ctx, long options) {
    return SSL_CTX_set_options(ctx, options);
}
// A server's options: no renegotiation (a CPU sink for peers), the server's cipher order.
static inline void mist_SSL_CTX_set_server_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}
static inline long mist_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long mist_SSL_CTX_set_servername_callback(SSL_CTX *ctx, int (*callback)(SSL *, int *, void *),
                                                        void *argument) {
    SSL_CTX_set_tlsext_servername_arg(ctx, argument);
    return SSL_CTX_set_tlsext_servername_callback(ctx, callback);
}
static inline long mist_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
// A public key from its parameters, built in one call: OpenSSL's parameter builder keeps the
// pointers it is given until the end, longer than Swift's temporary C strings live.
static inline EVP_PKEY *mist_public_key(const char *type, const unsigned char *modulus, size_t modulusLength,
                                        const unsigned char *exponent, size_t exponentLength, const char *group,
                                        const unsigned char *point, size_t pointLength) {
    EVP_PKEY *key = NULL;
    BIGNUM *n = NULL, *e = NULL;
    OSSL_PARAM *parameters = NULL;
    EVP_PKEY_CTX *context = NULL;
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    if (builder == NULL) return NULL;
    int ready;
    if (group == NULL) {
        n = BN_bin2bn(modulus, (int)modulusLength, NULL);
        e = BN_bin2bn(exponent, (int)exponentLength, NULL);
        ready = n != NULL && e != NULL && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n) == 1
                && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e) == 1;
    } else {
        ready = OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1
                && OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point, pointLength) == 1;
    }
    if (ready) parameters = OSSL_PARAM_BLD_to_param(builder);
    if (parameters != NULL) context = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (context != NULL && EVP_PKEY_fromdata_init(context) == 1) {
        if (EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, parameters) != 1) key = NULL;
    }
    EVP_PKEY_CTX_free(context);
    OSSL_PARAM_free(parameters);
    OSSL_PARAM_BLD_free(builder);
    BN_free(n);
    BN_free(e);
    return key;
}
// DTLS (WebRTC's DTLS-SRTP): the connection's datagram size, set by hand because a memory BIO
// cannot be asked for a path MTU, and the retransmission timer, both macros in OpenSSL.
static inline void mist_DTLS_set_mtu(SSL *ssl, long mtu) {
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    DTLS_set_link_mtu(ssl, mtu);
    SSL_set_mtu(ssl, mtu);
}
static inline long mist_DTLS_handle_timeout(SSL *ssl) { return DTLSv1_handle_timeout(ssl); }
static inline long mist_DTLS_get_timeout_ms(SSL *ssl) {
    struct timeval left;
    if (DTLSv1_get_timeout(ssl, &left) != 1) return -1;
    return (long)left.tv_sec * 1000 + left.tv_usec / 1000;
}
static inline EVP_PKEY *mist_P256_key(void) { return EVP_EC_gen("P-256"); }
static inline void mist_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) { SSL_CTX_set_read_ahead(ctx, yes); }
// WebRTC peers present self-signed certificates; the session checks the fingerprint the
// signalling gave instead, so every chain is accepted here.
static inline int mist_accept_any_certificate(int preverified, X509_STORE_CTX *store) {
    (void)preverified;
    (void)store;
    return 1;
}
#endif
