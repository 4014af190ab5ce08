"""Whole-column LoRaWAN: decode and encode tables of frames, stage by stage.

The single-frame code (:mod:`toyama_lab.lorawan.frames`,
:mod:`toyama_lab.lorawan.crypto`) handles one frame as Python objects; this
package does the same work on whole columns (numpy and polars), with the
Python loops over keys and block rounds only:

=====================  ===========================================================
module                 job
=====================  ===========================================================
``columns``            Binary columns <-> flat byte buffers, padded and block-major matrices
``aes``                AES-ECB by key group and lock-step AES-CMAC (``cryptography``)
``lookup``             ``HashIndex``: rows of many DevAddrs / DevEUIs at once
``frame_crypto``       key table, frame MIC, FRMPayload keystream, 32-bit FCnt
``receptions``         stage 1: check the input, collapse repeated receptions
``header``             stage 2: header matrix, fields, structural status
``verify``             stage 3: device lookup, FCnt and MIC
``decrypt``            stage 4: decrypt FRMPayloads
``joins``              stage 5: join-requests and join-accepts
``mac_commands``       stage 5: MAC command names (FOpts, FPort 0)
``payloads``           stage 6: payload codecs per device, fixed columns
``schema``             the decoded table's columns (``DECODED_SCHEMA``)
``status``             statuses and ``status_counts``
``decode``             ``decode_batch``: the stages in order
``encode``             ``encode_batch``: uplinks for whole columns
``session_keys``       OTAA session keys (NwkSKey, AppSKey) of many devices at once
=====================  ===========================================================

The public entry points are re-exported by :mod:`toyama_lab.lorawan.batch` and
:mod:`toyama_lab.lorawan` (``decode_batch``, ``encode_batch``).
"""
