#!/usr/bin/env bash
# Creates the certificate authority for a Wardwatch broker and the broker's own certificate,
# plus what `wardwatch enroll` needs to sign agent certificates and revoke them (an openssl
# CA database and an empty CRL).
#
#   install/mosquitto/make-certs.sh <dir> <broker host name> [more names or IP addresses…]
#   install/mosquitto/make-certs.sh /etc/mosquitto/wardwatch mqtt.hospital.local 10.12.0.5
#
# Writes into <dir>: ca.key ca.crt ca.cnf index.txt serial crlnumber crl.pem server.key
# server.crt. Existing CA files are kept (run it again to renew the server certificate).
# Agents need ca.crt only. Keep ca.key off the network if you can.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 <dir> <broker host name> [more names or IP addresses…]" >&2
  exit 2
fi
dir=$1; shift
host=$1
days=${WARDWATCH_CERT_DAYS:-825}
mkdir -p "$dir"
chmod 0750 "$dir"
cd "$dir"
umask 077

san="DNS:$host"
for name in "$@"; do
  [ "$name" = "$host" ] && continue
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san="$san,IP:$name"; else san="$san,DNS:$name"; fi
done

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650 -keyout ca.key -out ca.crt \
    -subj "/O=Wardwatch/CN=Wardwatch broker CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  : > index.txt
  echo 1000 > serial
  echo 1000 > crlnumber
fi

cat > ca.cnf <<CNF
[ ca ]
default_ca = wardwatch
[ wardwatch ]
dir = .
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = $days
default_crl_days = 3650
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
[ agent ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF

openssl req -newkey rsa:2048 -sha256 -nodes -keyout server.key -out server.csr -subj "/O=Wardwatch/CN=$host" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAserial serial -days "$days" -sha256 -extfile server.ext -out server.crt 2>/dev/null
rm -f server.csr server.ext
openssl ca -config ca.cnf -gencrl -out crl.pem 2>/dev/null

chmod 0644 ca.crt server.crt crl.pem
chmod 0640 server.key
# Mosquitto drops to its own user: let it read the broker's key (not the CA's).
if [ "$(id -u)" -eq 0 ] && id mosquitto >/dev/null 2>&1; then
  chgrp mosquitto . server.key crl.pem ca.crt server.crt
fi
echo "CA and broker certificate for $host in $dir (SAN $san)"
