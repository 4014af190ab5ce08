"""UDP payloads out of packet captures (libpcap and pcapng files).

A gateway's Semtech packet forwarder talks UDP to its network server, so a
capture taken on that server (``tcpdump -w up.pcap udp port 1700``, or Wireshark,
which writes pcapng) holds the PUSH_DATA datagrams. This module walks the
capture and gives each packet's UDP payload, or the reason it has none; the
Semtech reader turns the payloads into receptions.

Private to :mod:`toyama_lab.lorawan.ingest`.

File formats
------------
* libpcap: a 24-byte file header whose magic number gives the byte order and
  the time resolution, then per packet a 16-byte record header (time, captured
  length, original length) and the captured bytes [1]_;
* pcapng: blocks of (type, total length, body, total length); the Section
  Header Block gives the byte order, Interface Description Blocks the link type
  of each interface, Enhanced and Simple Packet Blocks the packets [2]_.

Link layers read: Ethernet (with 802.1Q tags), Linux cooked capture v1 and v2,
BSD loopback, raw IPv4/IPv6; network layers IPv4 (unfragmented) and IPv6
(UDP as the first next header) [3]_.

References
----------
.. [1] IETF draft-ietf-opsawg-pcap, "PCAP Capture File Format" (also
   tcpdump.org, pcap-savefile(5)).
.. [2] IETF draft-ietf-opsawg-pcapng, "PCAP Next Generation (pcapng) Capture
   File Format", sections 4.1-4.4.
.. [3] tcpdump.org, "Link-layer header types" (LINKTYPE_ETHERNET 1,
   LINKTYPE_NULL 0, LINKTYPE_RAW 101, LINKTYPE_LINUX_SLL 113, LINKTYPE_IPV4 228,
   LINKTYPE_IPV6 229, LINKTYPE_LINUX_SLL2 276); RFC 791 (IPv4), RFC 8200 (IPv6),
   RFC 768 (UDP).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

#: libpcap magic numbers: the first four bytes of the file -> byte order.
_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": "<",  # microseconds, little-endian
    b"\xa1\xb2\xc3\xd4": ">",  # microseconds, big-endian
    b"\x4d\x3c\xb2\xa1": "<",  # nanoseconds, little-endian
    b"\xa1\xb2\x3c\x4d": ">",  # nanoseconds, big-endian
}
#: pcapng Section Header Block type (the same in either byte order).
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
_ETHERTYPE_IPV4, _ETHERTYPE_IPV6, _ETHERTYPE_VLAN = 0x0800, 0x86DD, 0x8100
_UDP = 17

#: One captured packet: (packet number from 1, UDP payload or None, why there is none).
Packet = tuple[int, bytes | None, str | None]


def is_capture(raw: bytes) -> bool:
    """True for a libpcap or pcapng file (by its first four bytes)."""
    return raw[:4] in _PCAP_MAGIC or raw[:4] == _PCAPNG_SHB


def udp_payloads(raw: bytes) -> Iterator[Packet]:
    """UDP payload of every packet of a libpcap or pcapng capture, in file order.

    A packet that is not UDP over IP gives ``None`` and the reason. A capture
    cut short (a record longer than what is left) ends with one packet whose
    reason says so.
    """
    frames = _pcap_frames(raw) if raw[:4] in _PCAP_MAGIC else _pcapng_frames(raw)
    for n, (link, data) in enumerate(frames, start=1):
        if data is None:
            yield n, None, link  # ``link`` holds the reason here
            return
        payload, problem = _udp_of(int(link), data)
        yield n, payload, problem


def _pcap_frames(raw: bytes) -> Iterator[tuple[int | str, bytes | None]]:
    order = _PCAP_MAGIC[raw[:4]]
    if len(raw) < 24:
        yield "the 24-byte pcap file header is cut short", None
        return
    link = struct.unpack_from(order + "I", raw, 20)[0] & 0x0FFFFFFF
    pos = 24
    while pos < len(raw):
        if pos + 16 > len(raw):
            yield f"the record header at byte {pos} is cut short", None
            return
        incl = struct.unpack_from(order + "I", raw, pos + 8)[0]
        if pos + 16 + incl > len(raw):
            yield f"the packet at byte {pos} claims {incl} bytes; the file ends first", None
            return
        yield link, raw[pos + 16 : pos + 16 + incl]
        pos += 16 + incl


def _pcapng_frames(raw: bytes) -> Iterator[tuple[int | str, bytes | None]]:
    order = "<"
    links: list[int] = []
    pos = 0
    while pos < len(raw):
        if pos + 12 > len(raw):
            yield f"the pcapng block at byte {pos} is cut short", None
            return
        if raw[pos : pos + 4] == _PCAPNG_SHB:
            bom = raw[pos + 8 : pos + 12]
            order = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">" if bom == b"\x1a\x2b\x3c\x4d" else ""
            if not order:
                yield f"the section header at byte {pos} has no byte-order magic", None
                return
            links = []  # interfaces are numbered per section
        kind, size = struct.unpack_from(order + "II", raw, pos)
        if size < 12 or size % 4 or pos + size > len(raw):
            yield f"the pcapng block at byte {pos} has a bad length {size}", None
            return
        body = raw[pos + 8 : pos + size - 4]
        if kind == 1 and len(body) >= 2:  # Interface Description Block
            links.append(struct.unpack_from(order + "H", body, 0)[0])
        elif kind == 6 and len(body) >= 20:  # Enhanced Packet Block
            iface, _, _, captured = struct.unpack_from(order + "IIII", body, 0)
            if iface >= len(links):
                yield f"the packet at byte {pos} names interface {iface}, never described", None
                return
            yield links[iface], body[20 : 20 + captured]
        elif kind == 3 and len(body) >= 4 and links:  # Simple Packet Block, interface 0
            original = struct.unpack_from(order + "I", body, 0)[0]
            yield links[0], body[4 : 4 + original]
        pos += size


def _udp_of(link: int, data: bytes) -> tuple[bytes | None, str | None]:
    """The UDP payload of one link-layer frame, or the reason there is none."""
    if link == 1:  # Ethernet: destination, source, EtherType (802.1Q tags before it)
        off, ethertype = 12, None
        while len(data) >= off + 2:
            ethertype = int.from_bytes(data[off : off + 2], "big")
            if ethertype != _ETHERTYPE_VLAN:
                break
            off += 4
        ip = data[off + 2 :]
    elif link == 113:  # Linux cooked capture: protocol at byte 14 of a 16-byte header
        ethertype, ip = int.from_bytes(data[14:16], "big"), data[16:]
    elif link == 276:  # Linux cooked capture v2: protocol first, 20-byte header
        ethertype, ip = int.from_bytes(data[0:2], "big"), data[20:]
    elif link == 0:  # BSD loopback: 4-byte address family in the capturing host's order
        family = int.from_bytes(data[:4], "little") or int.from_bytes(data[:4], "big")
        ethertype = _ETHERTYPE_IPV6 if family in (24, 28, 30) else _ETHERTYPE_IPV4
        ip = data[4:]
    elif link in (101, 228, 229):  # raw IP
        version = data[0] >> 4 if data else 0
        ethertype, ip = (_ETHERTYPE_IPV6 if version == 6 else _ETHERTYPE_IPV4), data
    else:
        return None, f"link type {link} is not read (Ethernet, Linux cooked, loopback, raw IP)"
    if ethertype == _ETHERTYPE_IPV4 and len(ip) >= 20 and ip[0] >> 4 == 4:
        header = (ip[0] & 0x0F) * 4
        proto = ip[9]
        fragment = int.from_bytes(ip[6:8], "big") & 0x3FFF  # MF flag or an offset
        if fragment:
            return None, "a fragment of an IPv4 datagram (reassembly is not done)"
        udp = ip[header:]
    elif ethertype == _ETHERTYPE_IPV6 and len(ip) >= 40 and ip[0] >> 4 == 6:
        proto, udp = ip[6], ip[40:]
    else:
        return None, "not an IPv4 or IPv6 packet"
    if proto != _UDP:
        return None, f"IP protocol {proto}, not UDP ({_UDP})"
    if len(udp) < 8:
        return None, "the UDP header is cut short"
    length = int.from_bytes(udp[4:6], "big")
    if length < 8 or length > len(udp):
        return None, f"UDP length {length} does not fit the {len(udp)} bytes captured"
    return udp[8:length], None
