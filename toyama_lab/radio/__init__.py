"""LoRa physical layer and network, on whole arrays.

Time on air (:mod:`~toyama_lab.radio.airtime`), Japanese 920 MHz / AS923 rules
(:mod:`~toyama_lab.radio.regional`), link budget (:mod:`~toyama_lab.radio.link`),
receptions with collisions, capture, inter-SF interference and gateway demodulator paths
(:mod:`~toyama_lab.radio.collisions`), SF choice by link margin
(:mod:`~toyama_lab.radio.adr`) and the LoRaSim 0.2.1 parity mode
(:mod:`~toyama_lab.radio.lorasim`, see ``docs/lorasim-parity.md``).

The package imports its submodules and nothing else (the pvlib style, the same in every
analysis package): call ``toyama_lab.radio.<module>.<function>(...)``.
"""

from toyama_lab.radio import adr, airtime, collisions, fading, link, lorasim, regional

__all__ = ["adr", "airtime", "collisions", "fading", "link", "lorasim", "regional"]
