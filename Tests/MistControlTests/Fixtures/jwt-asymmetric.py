# Makes jwt-asymmetric.json: fresh RSA and EC keys (python3-cryptography, not our code) and
# tokens signed with each RS, PS and ES algorithm. Run: python3 jwt-asymmetric.py > jwt-asymmetric.json
import base64, json
from cryptography.hazmat.primitives.asymmetric import rsa, ec, padding, utils
from cryptography.hazmat.primitives import hashes
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
def num(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b(n.to_bytes(size, "big"))
claims = b(json.dumps({"sub": "movie"}, separators=(",", ":")).encode())
out = {}
rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pn = rk.public_key().public_numbers()
out["rsa"] = {"kty": "RSA", "kid": "r1", "n": num(pn.n), "e": num(pn.e)}
H = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
for bits, h in H.items():
    for fam in ["RS", "PS"]:
        head = b(json.dumps({"alg": fam + bits, "kid": "r1"}, separators=(",", ":")).encode())
        msg = (head + "." + claims).encode()
        pad = padding.PKCS1v15() if fam == "RS" else padding.PSS(mgf=padding.MGF1(h), salt_length=padding.PSS.DIGEST_LENGTH)
        out[fam + bits] = head + "." + claims + "." + b(rk.sign(msg, pad, h))
for bits, crv, curve, size in [("256", "P-256", ec.SECP256R1(), 32), ("384", "P-384", ec.SECP384R1(), 48), ("512", "P-521", ec.SECP521R1(), 66)]:
    k = ec.generate_private_key(curve)
    p = k.public_key().public_numbers()
    out["ec" + bits] = {"kty": "EC", "kid": "e" + bits, "crv": crv, "x": num(p.x, size), "y": num(p.y, size)}
    head = b(json.dumps({"alg": "ES" + bits, "kid": "e" + bits}, separators=(",", ":")).encode())
    der = k.sign((head + "." + claims).encode(), ec.ECDSA(H[bits]))
    r, s = utils.decode_dss_signature(der)
    out["ES" + bits] = head + "." + claims + "." + b(r.to_bytes(size, "big") + s.to_bytes(size, "big"))
print(json.dumps(out, indent=1))
