// KimInterop — the "other KIM implementation" of the interop tests, on BouncyCastle.
//
//   java KimInterop open KIM.eml P12 PASS ADDRESS
//       decrypts the AuthEnvelopedData (RSA-OAEP or ECDH recipient), verifies the
//       SignedData's signature (RSASSA-PSS or ECDSA) with the carried certificate, reads
//       recipient-emails from the signed and the unprotected attributes, checks that both
//       are equal and name ADDRESS, and prints "OK <details>"; exit 0 only then.
//   java KimInterop seal CLIENT.eml SIGNER.p12 PASS OUT.eml ADDR=CERT.pem[,CERT2.pem] ...
//       writes a KIM message in the gemSMIME profile (the sender's certificates are just
//       further ADDR=CERT arguments).
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.*;
import java.security.spec.*;
import java.util.*;
import javax.crypto.spec.*;

import org.bouncycastle.asn1.*;
import org.bouncycastle.asn1.cms.*;
import org.bouncycastle.asn1.ess.*;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.x509.*;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.*;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.*;
import org.bouncycastle.operator.jcajce.*;

public class KimInterop {
  static final ASN1ObjectIdentifier RECIPIENT_EMAILS = new ASN1ObjectIdentifier("1.2.276.0.76.4.173");
  static final String SIGNED_ENTITY_HEADER =
      "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n"
      + "Content-Transfer-Encoding: binary\r\n"
      + "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n";

  public static void main(String[] args) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    if (args.length >= 5 && args[0].equals("open")) {
      System.exit(open(args[1], args[2], args[3], args[4]));
    } else if (args.length >= 6 && args[0].equals("seal")) {
      seal(args[1], args[2], args[3], args[4], Arrays.copyOfRange(args, 5, args.length));
      System.out.println("sealed " + args[4]);
    } else {
      System.err.println("usage: KimInterop open KIM.eml P12 PASS ADDRESS | seal CLIENT.eml P12 PASS OUT.eml ADDR=CERT...");
      System.exit(2);
    }
  }

  // ---- open ----
  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    return -1;
  }

  static int open(String kimFile, String p12, String pass, String address) throws Exception {
    byte[] mail = Files.readAllBytes(Paths.get(kimFile));
    int sep = indexOf(mail, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
    String b64 = new String(mail, sep + 4, mail.length - sep - 4, StandardCharsets.US_ASCII).replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(b64);
    CMSAuthEnvelopedData aed = new CMSAuthEnvelopedData(der);

    KeyStore ks = KeyStore.getInstance("PKCS12", "BC");
    ks.load(new FileInputStream(p12), pass.toCharArray());
    String alias = ks.aliases().nextElement();
    PrivateKey key = (PrivateKey) ks.getKey(alias, pass.toCharArray());
    X509Certificate cert = (X509Certificate) ks.getCertificate(alias);

    ASN1Set unsignedEmails = recipientEmails(aed.getUnauthAttrs(), "unauthAttrs");
    boolean listed = false;
    IssuerAndSerialNumber own = new IssuerAndSerialNumber(new JcaX509CertificateHolder(cert).toASN1Structure());
    for (ASN1Encodable e : unsignedEmails) {
      ASN1Sequence s = ASN1Sequence.getInstance(e);
      String a = ASN1IA5String.getInstance(s.getObjectAt(0)).getString();
      if (a.equalsIgnoreCase(address) && IssuerAndSerialNumber.getInstance(s.getObjectAt(1)).equals(own)) listed = true;
    }
    if (!listed) throw new IllegalStateException("recipient-emails does not map " + address + " to this certificate");

    RecipientInformation ri = null;
    for (RecipientInformation r : aed.getRecipientInfos().getRecipients()) {
      if (r.getRID().match(new JcaX509CertificateHolder(cert))) ri = r;
    }
    if (ri == null) throw new IllegalStateException("no RecipientInfo for this certificate");
    byte[] plain;
    String kind;
    if (ri instanceof KeyTransRecipientInformation) {
      kind = "ktri " + ri.getKeyEncryptionAlgOID();
      RSAESOAEPparams p = RSAESOAEPparams.getInstance(ri.getKeyEncryptionAlgorithm().getParameters());
      if (!p.getHashAlgorithm().getAlgorithm().equals(NISTObjectIdentifiers.id_sha256)
          || !AlgorithmIdentifier.getInstance(p.getMaskGenAlgorithm().getParameters()).getAlgorithm().equals(NISTObjectIdentifiers.id_sha256))
        throw new IllegalStateException("OAEP is not SHA-256/MGF1-SHA-256");
      plain = ri.getContent(new JceKeyTransAuthEnvelopedRecipient(key).setProvider("BC"));
    } else {
      kind = "kari " + ri.getKeyEncryptionAlgOID();
      plain = ri.getContent(new JceKeyAgreeEnvelopedRecipient(key).setProvider("BC"));
    }
    byte[] hdr = SIGNED_ENTITY_HEADER.getBytes(StandardCharsets.US_ASCII);
    int body = indexOf(plain, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
    if (body < 0 || !new String(plain, 0, body, StandardCharsets.US_ASCII).toLowerCase().contains("smime-type=signed-data"))
      throw new IllegalStateException("decrypted content is not a signed-data entity");
    byte[] sd = Arrays.copyOfRange(plain, body + 4, plain.length);
    CMSSignedData signed = new CMSSignedData(sd);
    if (signed.getSignerInfos().size() != 1) throw new IllegalStateException("not exactly one SignerInfo");
    if (signed.getCertificates().getMatches(null).size() != 1) throw new IllegalStateException("not exactly one certificate");
    if (!signed.getCRLs().getMatches(null).isEmpty()) throw new IllegalStateException("CRLs present");
    SignerInformation si = signed.getSignerInfos().getSigners().iterator().next();
    if (si.getUnsignedAttributes() != null) throw new IllegalStateException("unsigned attributes present");
    X509CertificateHolder signer = (X509CertificateHolder) signed.getCertificates().getMatches(si.getSID()).iterator().next();
    if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(signer)))
      throw new IllegalStateException("signature does not verify");
    AttributeTable sa = si.getSignedAttributes();
    for (ASN1ObjectIdentifier oid : new ASN1ObjectIdentifier[] {CMSAttributes.contentType, CMSAttributes.signingTime,
             CMSAttributes.messageDigest, PKCSObjectIdentifiers.id_aa_signingCertificateV2, CMSAttributes.cmsAlgorithmProtect})
      if (sa.get(oid) == null) throw new IllegalStateException("signed attribute missing: " + oid);
    ASN1Set signedEmails = recipientEmails(sa, "signed attributes");
    if (!sameSet(signedEmails, unsignedEmails)) throw new IllegalStateException("signed and unsigned recipient-emails differ");
    byte[] content = (byte[]) signed.getSignedContent().getContent();
    String text = new String(content, StandardCharsets.UTF_8);
    if (!text.startsWith("Content-Type: message/rfc822")) throw new IllegalStateException("eContent is not message/rfc822");
    System.out.println("OK " + kind + " sig=" + si.getEncryptionAlgOID() + " recipient-emails=" + signedEmails.size()
        + " content-bytes=" + content.length);
    return 0;
  }

  static ASN1Set recipientEmails(AttributeTable t, String where) {
    if (t == null || t.get(RECIPIENT_EMAILS) == null) throw new IllegalStateException("recipient-emails missing in " + where);
    ASN1Set values = t.get(RECIPIENT_EMAILS).getAttrValues();
    // gematik shape: one RecipientEmail SEQUENCE per value (digest §12 item 19).
    for (ASN1Encodable v : values) {
      ASN1Sequence s = ASN1Sequence.getInstance(v);
      ASN1IA5String.getInstance(s.getObjectAt(0));
      IssuerAndSerialNumber.getInstance(s.getObjectAt(1));
    }
    return values;
  }

  static boolean sameSet(ASN1Set a, ASN1Set b) throws IOException {
    Set<String> x = new HashSet<>(), y = new HashSet<>();
    for (ASN1Encodable e : a) x.add(Base64.getEncoder().encodeToString(e.toASN1Primitive().getEncoded(ASN1Encoding.DER)));
    for (ASN1Encodable e : b) y.add(Base64.getEncoder().encodeToString(e.toASN1Primitive().getEncoded(ASN1Encoding.DER)));
    return x.equals(y) && a.size() == b.size();
  }

  // ---- seal ----
  static X509Certificate readCert(String file) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new FileInputStream(file));
  }

  static void seal(String clientFile, String p12, String pass, String out, String[] recips) throws Exception {
    byte[] client = Files.readAllBytes(Paths.get(clientFile));
    KeyStore ks = KeyStore.getInstance("PKCS12", "BC");
    ks.load(new FileInputStream(p12), pass.toCharArray());
    String alias = ks.aliases().nextElement();
    PrivateKey key = (PrivateKey) ks.getKey(alias, pass.toCharArray());
    X509Certificate signerCert = (X509Certificate) ks.getCertificate(alias);

    List<X509Certificate> certs = new ArrayList<>();
    ASN1EncodableVector emails = new ASN1EncodableVector();
    for (String r : recips) {
      String[] kv = r.split("=", 2);
      for (String f : kv[1].split(",")) {
        X509Certificate c = readCert(f);
        certs.add(c);
        emails.add(new DERSequence(new ASN1Encodable[] {new DERIA5String(kv[0]),
            new IssuerAndSerialNumber(new JcaX509CertificateHolder(c).toASN1Structure())}));
      }
    }
    Attribute emailsAttr = new Attribute(RECIPIENT_EMAILS, new DERSet(emails));

    // SignedData
    ByteArrayOutputStream econtent = new ByteArrayOutputStream();
    econtent.write("Content-Type: message/rfc822\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    econtent.write(client);
    byte[] certHash = MessageDigest.getInstance("SHA-256").digest(signerCert.getEncoded());
    X509CertificateHolder signerHolder = new JcaX509CertificateHolder(signerCert);
    ESSCertIDv2 essId = new ESSCertIDv2(certHash, new IssuerSerial(new GeneralNames(new GeneralName(signerHolder.getIssuer())),
        signerHolder.getSerialNumber()));
    Attribute signingCert = new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2,
        new DERSet(new SigningCertificateV2(new ESSCertIDv2[] {essId})));
    ASN1EncodableVector extra = new ASN1EncodableVector();
    extra.add(emailsAttr);
    extra.add(signingCert);
    String sigAlg;
    if (key.getAlgorithm().startsWith("RSA")) {
      sigAlg = "SHA256withRSAandMGF1";
    } else {
      sigAlg = "SHA256withECDSA";
    }
    ContentSigner signer;
    if (sigAlg.equals("SHA256withRSAandMGF1")) {
      PSSParameterSpec pss = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
      signer = new JcaContentSignerBuilder(sigAlg, pss).setProvider("BC").build(key);
    } else {
      signer = new JcaContentSignerBuilder(sigAlg).setProvider("BC").build(key);
    }
    CMSSignedDataGenerator sgen = new CMSSignedDataGenerator();
    sgen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().setProvider("BC").build())
        .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new AttributeTable(extra)))
        .build(signer, signerCert));
    sgen.addCertificate(signerHolder);
    CMSSignedData signed = sgen.generate(new CMSProcessableByteArray(econtent.toByteArray()), true);

    ByteArrayOutputStream entity = new ByteArrayOutputStream();
    entity.write(SIGNED_ENTITY_HEADER.getBytes(StandardCharsets.US_ASCII));
    entity.write(signed.getEncoded(ASN1Encoding.DER));

    // AuthEnvelopedData
    CMSAuthEnvelopedDataGenerator egen = new CMSAuthEnvelopedDataGenerator();
    JcaAlgorithmParametersConverter conv = new JcaAlgorithmParametersConverter();
    AlgorithmIdentifier oaep = conv.getAlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP,
        new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    for (X509Certificate c : certs) {
      if (c.getPublicKey().getAlgorithm().startsWith("RSA")) {
        egen.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(c, oaep).setProvider("BC"));
      } else {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", "BC");
        kpg.initialize(((java.security.interfaces.ECPublicKey) c.getPublicKey()).getParams());
        KeyPair eph = kpg.generateKeyPair();
        egen.addRecipientInfoGenerator(new JceKeyAgreeRecipientInfoGenerator(CMSAlgorithm.ECDH_SHA256KDF,
            eph.getPrivate(), eph.getPublic(), CMSAlgorithm.AES256_WRAP).addRecipient(c).setProvider("BC"));
      }
    }
    egen.setUnauthenticatedAttributeGenerator(new SimpleAttributeTableGenerator(new AttributeTable(new ASN1EncodableVector() {{ add(emailsAttr); }})));
    OutputAEADEncryptor enc = (OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_GCM).setProvider("BC").build();
    CMSAuthEnvelopedData aed = egen.generate(new CMSProcessableByteArray(entity.toByteArray()), enc);

    // Outer message: mirrored headers of the client mail.
    String head = new String(client, StandardCharsets.UTF_8);
    int end = head.indexOf("\r\n\r\n");
    StringBuilder outer = new StringBuilder();
    String[] lines = head.substring(0, end + 2).split("\r\n(?![ \t])");
    for (String l : lines) {
      String name = l.substring(0, Math.max(0, l.indexOf(':'))).toLowerCase();
      if (Arrays.asList("from", "sender", "reply-to", "to", "cc", "bcc", "date", "message-id").contains(name)
          || name.startsWith("x-kim-")) {
        outer.append(l).append("\r\n");
      }
    }
    outer.append("Subject: KOM-LE-Nachricht\r\nX-KOM-LE-Version: 1.0\r\nMIME-Version: 1.0\r\n");
    outer.append("Content-Type: application/pkcs7-mime; smime-type=authenticated-enveloped-data; name=smime.p7m\r\n");
    outer.append("Content-Disposition: attachment; filename=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    String b64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(aed.getEncoded());
    outer.append(b64).append("\r\n");
    Files.write(Paths.get(out), outer.toString().getBytes(StandardCharsets.UTF_8));
  }
}
