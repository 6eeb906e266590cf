# ha/: ha_agent, dha and dssd arrive with the HA issue; nothing builds yet.
