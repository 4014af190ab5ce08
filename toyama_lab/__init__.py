"""toyama-lab: a Jupyter workbench for smart-city data modelled on Toyama City.

The data travel the same road as in the real city: a synthetic Toyama
(:mod:`toyama_lab.city`) produces physical truth (:mod:`toyama_lab.synth`),
sensors encode it into LoRaWAN frames (:mod:`toyama_lab.lorawan`), a simulated
radio network carries them to gateways (:mod:`toyama_lab.radio`), and the
student's side decodes the gateway log back into measurements.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("toyama-lab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
